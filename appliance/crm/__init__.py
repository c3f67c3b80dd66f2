"""The local store: SQLite through sqlite-utils, every write in a transaction."""
