"""Storage: SQLAlchemy tables, Alembic migrations and keyword-only repository functions."""
