"""Alembic environment: runs on the engine handed over by :mod:`councilplan.store.db`.

Run migrations with ``councilplan.store.db.upgrade(engine)`` (``councilplan serve``
does it on start). For ``alembic`` on the command line, set ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context

from councilplan.store.db import make_engine
from councilplan.store.tables import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///councilplan.db")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
