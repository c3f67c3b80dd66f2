"""The call log: one row per call, one per turn, each written as soon as it happens."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import sqlite_utils

from appliance.crm.db import transaction


def now_iso() -> str:
    """The current time in UTC, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class CallLog:
    """Writes calls and turns; safe to share between threads (one lock around writes)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._lock = threading.Lock()

    def start(self, caller_number: str, caller_name: str, direction: str = "inbound") -> int:
        """Record a new call; return its row id."""
        with self._lock, transaction(self.db) as conn:
            cur = conn.execute(
                "INSERT INTO calls (uid, direction, caller_number, caller_name, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, direction, caller_number, caller_name, now_iso()))
            return cur.lastrowid

    def add_turn(self, call_id: int, speaker: str, text: str, *, interrupted: bool = False,
                 confidence: float | None = None, latency: dict[str, float] | None = None) -> int:
        """Append a turn to a call; return its sequence number."""
        with self._lock, transaction(self.db) as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE call_id = ?",
                                       (call_id,)).fetchone()[0]
            conn.execute(
                "INSERT INTO turns (call_id, seq, speaker, text, started_at, interrupted, confidence, "
                "latency_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (call_id, seq, speaker, text, now_iso(), int(interrupted), confidence,
                 json.dumps(latency) if latency else None))
            return seq

    def end(self, call_id: int, outcome: str, reason: str = "") -> None:
        """Close a call with its outcome (completed, transferred, abandoned, ...)."""
        with self._lock, transaction(self.db) as conn:
            conn.execute("UPDATE calls SET ended_at = ?, outcome = ?, end_reason = ? WHERE id = ?",
                                 (now_iso(), outcome, reason, call_id))

    def close_interrupted(self) -> int:
        """Close calls left open by a service that stopped without ending them (killed, power
        cut) as `interrupted`; return how many. Run at start-up, before any call begins."""
        with self._lock, transaction(self.db) as conn:
            return conn.execute("UPDATE calls SET ended_at = ?, outcome = 'interrupted', "
                                "end_reason = 'the service stopped during the call' WHERE ended_at IS NULL",
                                (now_iso(),)).rowcount

    def set_recording(self, call_id: int, path: str) -> None:
        """Note where the call's audio was saved."""
        with self._lock, transaction(self.db) as conn:
            conn.execute("UPDATE calls SET recording_path = ? WHERE id = ?", (path, call_id))

    def turns(self, call_id: int) -> list[dict]:
        """A call's turns in order."""
        rows = self.db.query("SELECT * FROM turns WHERE call_id = ? ORDER BY seq", [call_id])
        return [dict(r, latency=json.loads(r["latency_json"]) if r["latency_json"] else None) for r in rows]
