"""Persistence: SQLAlchemy 2 models, engines and Alembic migrations (see ``docs/service.md``)."""
