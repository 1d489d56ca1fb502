"""Production reports and deviation alerts: ``reports`` and ``alerts`` (docs/monitoring.md).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("reports",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("economy_id", sa.Integer(), nullable=False),
    sa.Column("council_id", sa.Integer(), nullable=False),
    sa.Column("member_id", sa.Integer(), nullable=True),
    sa.Column("process", sa.String(length=200), nullable=False),
    sa.Column("period", sa.Integer(), nullable=False),
    sa.Column("output", sa.Float(), nullable=False),
    sa.Column("hours", sa.Float(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_reports_council_id_councils"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["economy_id"], ["economies.id"], name=op.f("fk_reports_economy_id_economies"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_reports_member_id_members")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    sa.UniqueConstraint("council_id", "process", "period", name=op.f("uq_reports_council_id"))
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_economy_id"), ["economy_id"], unique=False)
    op.create_table("alerts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("economy_id", sa.Integer(), nullable=False),
    sa.Column("council_id", sa.Integer(), nullable=False),
    sa.Column("process", sa.String(length=200), nullable=False),
    sa.Column("metric", sa.String(length=20), nullable=False),
    sa.Column("period", sa.Integer(), nullable=False),
    sa.Column("detected_period", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("direction", sa.String(length=10), nullable=False),
    sa.Column("probability", sa.Float(), nullable=False),
    sa.Column("expected", sa.Float(), nullable=False),
    sa.Column("actual", sa.Float(), nullable=False),
    sa.Column("level", sa.Float(), nullable=False),
    sa.Column("state", sa.String(length=20), nullable=False),
    sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("responded_by", sa.Integer(), nullable=True),
    sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("explanation", sa.Text(), nullable=True),
    sa.Column("capacity", sa.Float(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_alerts_council_id_councils"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["economy_id"], ["economies.id"], name=op.f("fk_alerts_economy_id_economies"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["responded_by"], ["members.id"], name=op.f("fk_alerts_responded_by_members")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    sa.UniqueConstraint("council_id", "process", "metric", "period", name=op.f("uq_alerts_council_id"))
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_economy_id"), ["economy_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_economy_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_council_id"))
    op.drop_table("alerts")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_economy_id"))
        batch_op.drop_index(batch_op.f("ix_reports_council_id"))
    op.drop_table("reports")
