"""The cap's fallback plan beside its iteration's plan: ``plans.fallback`` and the unique key
``(round_id, iteration, fallback)`` in place of ``(round_id, iteration)``.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fallback", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint("uq_plans_round_id", type_="unique")
        batch_op.create_unique_constraint("uq_plans_round_id", ["round_id", "iteration", "fallback"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM plans WHERE fallback"))
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint("uq_plans_round_id", type_="unique")
        batch_op.create_unique_constraint("uq_plans_round_id", ["round_id", "iteration"])
        batch_op.drop_column("fallback")
