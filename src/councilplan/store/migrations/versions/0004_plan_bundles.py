"""Plan bundles: ``plan_bundles`` (plan, SHA-256, size, the zip), one per plan (docs/bundle.md).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("plan_bundles",
    sa.Column("plan_id", sa.Integer(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_bundles_plan_id_plans"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plan_bundles"))
    )


def downgrade() -> None:
    op.drop_table("plan_bundles")
