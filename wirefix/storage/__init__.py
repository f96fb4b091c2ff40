"""Storage: the database schema, its migrations and the small interface the stages use."""

from wirefix.storage.database import Database, DatabaseError

__all__ = ["Database", "DatabaseError"]
