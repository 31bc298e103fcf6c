"""Search: posts through the database's own full-text engine (SQLite FTS5, PostgreSQL tsvector + GIN), users by name."""
