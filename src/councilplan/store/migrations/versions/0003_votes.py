"""Ballots of the cumulative rule: ``votes`` (round, council, proposal, points).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("votes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("round_id", sa.Integer(), nullable=False),
    sa.Column("council_id", sa.Integer(), nullable=False),
    sa.Column("proposal_id", sa.Integer(), nullable=False),
    sa.Column("member_id", sa.Integer(), nullable=True),
    sa.Column("points", sa.Float(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_votes_council_id_councils"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_votes_member_id_members")),
    sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_votes_proposal_id_proposals"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_votes_round_id_rounds"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    sa.UniqueConstraint("round_id", "council_id", "proposal_id", name=op.f("uq_votes_round_id"))
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_votes_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_votes_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_votes_round_id"))
        batch_op.drop_index(batch_op.f("ix_votes_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_votes_council_id"))

    op.drop_table("votes")
