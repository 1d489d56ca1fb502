"""Initial schema: economies, councils, members, invites, rounds, proposals, plans, events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("economies",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("source", sa.Text(), nullable=False),
    sa.Column("content_hash", sa.String(length=64), nullable=False),
    sa.Column("files", sa.JSON(), nullable=False),
    sa.Column("n_goods", sa.Integer(), nullable=False),
    sa.Column("n_processes", sa.Integer(), nullable=False),
    sa.Column("log_seq", sa.Integer(), nullable=False),
    sa.Column("log_head", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_economies"))
    )
    op.create_table("councils",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("economy_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("population", sa.Float(), nullable=True),
    sa.Column("processes", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["economy_id"], ["economies.id"], name=op.f("fk_councils_economy_id_economies"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_councils")),
    sa.UniqueConstraint("economy_id", "name", name=op.f("uq_councils_economy_id"))
    )
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_councils_economy_id"), ["economy_id"], unique=False)

    op.create_table("events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("economy_id", sa.Integer(), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("at", sa.String(length=40), nullable=False),
    sa.Column("actor", sa.Integer(), nullable=True),
    sa.Column("action", sa.String(length=60), nullable=False),
    sa.Column("entity", sa.String(length=30), nullable=False),
    sa.Column("entity_id", sa.Integer(), nullable=True),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("prev_hash", sa.String(length=64), nullable=False),
    sa.Column("hash", sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(["economy_id"], ["economies.id"], name=op.f("fk_events_economy_id_economies")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    sa.UniqueConstraint("economy_id", "seq", name=op.f("uq_events_economy_id"))
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_economy_id"), ["economy_id"], unique=False)

    op.create_table("rounds",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("economy_id", sa.Integer(), nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("iteration", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(length=20), nullable=False),
    sa.Column("rule", sa.String(length=50), nullable=False),
    sa.Column("objective", sa.String(length=20), nullable=False),
    sa.Column("max_iterations", sa.Integer(), nullable=False),
    sa.Column("tolerance", sa.Float(), nullable=False),
    sa.Column("finished", sa.Boolean(), nullable=False),
    sa.Column("finish_reason", sa.String(length=20), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["economy_id"], ["economies.id"], name=op.f("fk_rounds_economy_id_economies"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    sa.UniqueConstraint("economy_id", "number", name=op.f("uq_rounds_economy_id"))
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rounds_economy_id"), ["economy_id"], unique=False)

    op.create_table("members",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("council_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("role", sa.String(length=20), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_members_council_id_councils"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_members_token_hash"))
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_council_id"), ["council_id"], unique=False)

    op.create_table("plans",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("round_id", sa.Integer(), nullable=False),
    sa.Column("iteration", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("objective", sa.String(length=20), nullable=False),
    sa.Column("rule", sa.String(length=50), nullable=False),
    sa.Column("input_hash", sa.String(length=64), nullable=False),
    sa.Column("published", sa.Boolean(), nullable=False),
    sa.Column("goals", sa.JSON(), nullable=False),
    sa.Column("result", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_plans_round_id_rounds"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    sa.UniqueConstraint("round_id", "iteration", name=op.f("uq_plans_round_id"))
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_round_id"), ["round_id"], unique=False)

    op.create_table("invites",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("council_id", sa.Integer(), nullable=False),
    sa.Column("role", sa.String(length=20), nullable=False),
    sa.Column("code_hash", sa.String(length=64), nullable=False),
    sa.Column("created_by", sa.Integer(), nullable=True),
    sa.Column("used_by", sa.Integer(), nullable=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_invites_council_id_councils"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["created_by"], ["members.id"], name=op.f("fk_invites_created_by_members")),
    sa.ForeignKeyConstraint(["used_by"], ["members.id"], name=op.f("fk_invites_used_by_members")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
    sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash"))
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invites_council_id"), ["council_id"], unique=False)

    op.create_table("proposals",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("round_id", sa.Integer(), nullable=False),
    sa.Column("council_id", sa.Integer(), nullable=False),
    sa.Column("member_id", sa.Integer(), nullable=True),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("client_key", sa.String(length=100), nullable=False),
    sa.Column("content", sa.JSON(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("iteration", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_proposals_council_id_councils"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_proposals_member_id_members")),
    sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_proposals_round_id_rounds"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    sa.UniqueConstraint("round_id", "council_id", "client_key", name=op.f("uq_proposals_round_id"))
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_round_id"), ["round_id"], unique=False)
        batch_op.create_index("ix_proposals_round_state", ["round_id", "status"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_round_state")
        batch_op.drop_index(batch_op.f("ix_proposals_round_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_council_id"))

    op.drop_table("proposals")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invites_council_id"))

    op.drop_table("invites")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_round_id"))

    op.drop_table("plans")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_council_id"))

    op.drop_table("members")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_economy_id"))

    op.drop_table("rounds")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_economy_id"))

    op.drop_table("events")
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_councils_economy_id"))

    op.drop_table("councils")
    op.drop_table("economies")
