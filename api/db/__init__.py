"""The database boundary: tables, the engine and migrations (SQLite or PostgreSQL)."""
