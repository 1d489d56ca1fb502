"""The stored schema (SQLAlchemy 2 declarative models).

One economy is one tenant: its councils, members, invites, rounds, proposals,
votes, plans and its hash-chained event log all hang off ``economies.id``. Tokens and
invite codes are never stored, only their SHA-256 hashes. The event log is
append-only: the migration installs triggers that refuse ``UPDATE`` and
``DELETE`` on ``events`` on both SQLite and PostgreSQL.

Changing a model here means adding an Alembic revision in ``migrations/versions``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class EconomyRow(Base):
    """An economy (the tenant) with its files, as validated, and the head of its event chain."""

    __tablename__ = "economies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)  # file name -> CSV/TOML text; loaded on use
    n_goods: Mapped[int] = mapped_column(Integer)
    n_processes: Mapped[int] = mapped_column(Integer)
    log_seq: Mapped[int] = mapped_column(Integer, default=0)
    log_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CouncilRow(Base):
    """A council: ``workplace`` (attached to processes), ``consumer`` or ``regional`` (a population),
    or the ``board`` that facilitates the economy's rounds."""

    __tablename__ = "councils"
    __table_args__ = (UniqueConstraint("economy_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    population: Mapped[float | None] = mapped_column(Float, nullable=True)
    processes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MemberRow(Base):
    """A member of one council with one role; ``token_hash`` is SHA-256 of the bearer token."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InviteRow(Base):
    """A one-time invite into a council with a role; ``code_hash`` is SHA-256 of the code."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoundRow(Base):
    """A planning round: ``open → closed → planned → published``, then the next iteration."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("economy_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    iteration: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="open")
    rule: Mapped[str] = mapped_column(String(50))
    objective: Mapped[str] = mapped_column(String(20), default="ray")
    max_iterations: Mapped[int] = mapped_column(Integer, default=10)
    tolerance: Mapped[float] = mapped_column(Float, default=0.01)
    finished: Mapped[bool] = mapped_column(default=False)
    finish_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: when the current iteration stops taking proposals and ballots (``None``: when it is closed)
    deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProposalRow(Base):
    """A council's proposal in one round; revised in place (``version`` counts revisions).

    ``client_key`` makes submissions idempotent: the same key from the same council
    in the same round returns the stored proposal instead of adding a second one.
    """

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("round_id", "council_id", "client_key"),
        Index("ix_proposals_round_state", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    client_key: Mapped[str] = mapped_column(String(100))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="active")
    iteration: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VoteRow(Base):
    """Points a consumer or regional council gives a proposal in a round (its ballot is all its rows
    of the round, replaced as a whole); used by the ``cumulative`` rule."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("round_id", "council_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    points: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanRow(Base):
    """The plan of one round iteration: its goals, result, prices and each proposal's cost.

    ``fallback`` marks the cap's ray plan of a round none of whose iterations had an optimal plan
    (:func:`councilplan.democracy.engine.fallback_plan`), stored beside its iteration's own plan."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("round_id", "iteration", "fallback"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    iteration: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    objective: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(50))
    input_hash: Mapped[str] = mapped_column(String(64))
    published: Mapped[bool] = mapped_column(default=False)
    goals: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    fallback: Mapped[bool] = mapped_column(default=False, server_default=false())


class PlanBundleRow(Base):
    """The plan bundle (docs/bundle.md) of one plan, written when it was planned: the zip anyone can
    download and check with ``councilplan verify`` or the standalone verifier. ``sha256`` is of
    ``data`` and is recorded in the plan's ``round.planned`` event."""

    __tablename__ = "plan_bundles"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReportRow(Base):
    """A workplace council's production report: one process, one plan period (docs/monitoring.md).
    A later report of the same process and period corrects it (``version`` counts corrections)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("council_id", "process", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    process: Mapped[str] = mapped_column(String(200))
    period: Mapped[int] = mapped_column(Integer)
    output: Mapped[float] = mapped_column(Float)
    hours: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AlertRow(Base):
    """A deviation alert on one reported series (process × metric) at the period where it changed."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("council_id", "process", "metric", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), index=True)
    process: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(20))
    period: Mapped[int] = mapped_column(Integer)
    detected_period: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    probability: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    actual: Mapped[float] = mapped_column(Float)
    level: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(20), default="open")
    escalate_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    capacity: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    """One entry of an economy's append-only, hash-chained event log.

    ``hash = sha256(prev_hash ‖ canonical JSON of (seq, at, actor, action, entity, entity_id, payload))``.
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("economy_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
