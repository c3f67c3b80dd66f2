"""Messages and callback requests the phone agent leaves for the front desk: a to-do list
whose items are marked done (and undone) by staff, each change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.calls import now_iso
from appliance.crm.changes import audit, enqueue
from appliance.crm.db import transaction
from appliance.crm.timeutil import now_utc, parse_iso, utc_text
from appliance.errors import ApplianceError

COLUMNS = "id, call_id, contact_id, caller_number, caller_name, kind, text, status, created_at, done_at"
URGENT_PREFIX = "URGENT"


class MessageError(ApplianceError):
    """The message does not exist."""

    code = "crm.message"


@dataclass(frozen=True)
class Message:
    """One message or callback request; times are aware UTC datetimes."""

    id: int
    call_id: int | None
    contact_id: int | None
    caller_number: str
    caller_name: str
    kind: str
    text: str
    status: str
    created_at: datetime
    done_at: datetime | None

    @property
    def done(self) -> bool:
        """Whether staff have dealt with it."""
        return self.status == "done"

    @property
    def urgent(self) -> bool:
        """Whether the agent flagged it urgent (its text starts with 'URGENT')."""
        return self.text.lstrip().upper().startswith(URGENT_PREFIX)


def message_from_row(row: tuple) -> Message:
    """A `Message` from a row selected with `COLUMNS`."""
    return Message(*row[:8], parse_iso(row[8]), parse_iso(row[9]) if row[9] else None)


def leave_message(conn: sqlite3.Connection, text: str, number: str, name: str, contact_id: int | None,
                  callback: bool, *, call_id: int | None = None, created_at: str | None = None,
                  actor: str = "phone_agent") -> int:
    """Insert a message inside the caller's transaction, audited and queued for the outbox; its id."""
    mid = conn.execute(
        "INSERT INTO messages (call_id, contact_id, caller_number, caller_name, kind, text, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (call_id, contact_id, number, name, "callback" if callback else "message", text,
         created_at or utc_text(now_utc()))).lastrowid
    audit(conn, actor, "create", "message", mid, {"callback": callback})
    enqueue(conn, "message.created", {"message_id": mid, "caller_number": number, "name": name,
                                      "text": text, "callback": callback})
    return mid


class Messages:
    """The messages table as the front desk works through it."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(self, text: str, number: str, name: str, contact_id: int | None, callback: bool, *,
            call_id: int | None = None, created_at: str | None = None, actor: str = "phone_agent") -> int:
        """Leave a message (or a callback request) for the front desk; return its id."""
        with transaction(self.db) as conn:
            return leave_message(conn, text, number, name, contact_id, callback, call_id=call_id,
                                 created_at=created_at, actor=actor)

    def list(self, open_only: bool = True, limit: int = 500) -> list[Message]:
        """Open messages first, then done ones (unless `open_only`), newest first within each."""
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE (? = 0 OR status = 'open') "
            "ORDER BY status = 'done', created_at DESC, id DESC LIMIT ?", [int(open_only), limit]).fetchall()
        return [message_from_row(r) for r in rows]

    def open_count(self) -> int:
        """How many messages are still open."""
        return self.db.execute("SELECT COUNT(*) FROM messages WHERE status = 'open'").fetchone()[0]

    def get(self, message_id: int) -> Message:
        """The message with this id."""
        row = self.db.execute(f"SELECT {COLUMNS} FROM messages WHERE id = ?", [message_id]).fetchone()
        if row is None:
            raise MessageError(f"no message {message_id}")
        return message_from_row(row)

    def set_done(self, message_id: int, done: bool, actor: str = "front_desk") -> Message:
        """Mark done (with the time) or open again; setting the state it already has changes nothing."""
        status = "done" if done else "open"
        with transaction(self.db) as conn:
            row = conn.execute("SELECT status FROM messages WHERE id = ?", (message_id,)).fetchone()
            if row is None:
                raise MessageError(f"no message {message_id}")
            if row[0] != status:
                conn.execute("UPDATE messages SET status = ?, done_at = ? WHERE id = ?",
                             (status, now_iso() if done else None, message_id))
                audit(conn, actor, "done" if done else "reopen", "message", message_id, {"status": status})
        return self.get(message_id)

    def record_callback(self, message_id: int, result: str, actor: str = "front_desk") -> None:
        """The front desk called back about this message: when, and how it went."""
        with transaction(self.db) as conn:
            found = conn.execute("UPDATE messages SET callback_result = ?, called_back_at = ? WHERE id = ?",
                                 (result, utc_text(now_utc()), message_id)).rowcount
            if not found:
                raise MessageError(f"no message {message_id}")
            audit(conn, actor, "call_back", "message", message_id, {"result": result})
