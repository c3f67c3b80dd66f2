"""Schema migrations, applied in order and never destructive: only add, never drop or rewrite."""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: calls and their turns, with each turn's latency breakdown
    [
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            direction TEXT NOT NULL DEFAULT 'inbound',
            caller_number TEXT NOT NULL DEFAULT '',
            caller_name TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'in_progress',
            end_reason TEXT NOT NULL DEFAULT '',
            recording_path TEXT
        )""",
        "CREATE INDEX calls_started ON calls(started_at)",
        "CREATE INDEX calls_caller ON calls(caller_number)",
        """CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            seq INTEGER NOT NULL,
            speaker TEXT NOT NULL CHECK (speaker IN ('caller', 'agent')),
            text TEXT NOT NULL,
            started_at TEXT NOT NULL,
            interrupted INTEGER NOT NULL DEFAULT 0,
            confidence REAL,
            latency_json TEXT,
            UNIQUE (call_id, seq)
        )""",
    ],
]
