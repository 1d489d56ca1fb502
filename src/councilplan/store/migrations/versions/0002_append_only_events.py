"""The event log is append-only: triggers refuse UPDATE and DELETE on ``events``.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "the event log is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION councilplan_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END;
            $$ LANGUAGE plpgsql""")
        for verb in ("update", "delete"):
            op.execute(f"CREATE TRIGGER events_no_{verb} BEFORE {verb.upper()} ON events "
                       "FOR EACH ROW EXECUTE FUNCTION councilplan_events_append_only()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"CREATE TRIGGER events_no_{verb} BEFORE {verb.upper()} ON events "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS events_no_{verb}" +
                   (" ON events" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS councilplan_events_append_only()")
