"""SQLAlchemy models, the session factory and Alembic migrations: the source of truth."""
