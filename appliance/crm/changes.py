"""Every change is audited and, when outside systems care, queued in the outbox, in the same
transaction as the change itself: either all three are written or none."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.timeutil import now_utc, utc_text


def audit(conn: sqlite3.Connection, actor: str, action: str, entity: str, entity_id: int | None,
          detail: dict[str, Any] | None = None) -> None:
    """Append to the audit log (inside the caller's transaction)."""
    conn.execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, detail_json) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  (utc_text(now_utc()), actor, action, entity, entity_id,
                   json.dumps(detail or {}, sort_keys=True, default=str)))


def enqueue(conn: sqlite3.Connection, event_type: str, payload: dict[str, Any], key: str | None = None) -> str:
    """Queue an event for the outside CRM (inside the caller's transaction); return its key."""
    key = key or uuid.uuid4().hex
    now = utc_text(now_utc())
    conn.execute("INSERT INTO outbox (event_type, payload_json, idempotency_key, created_at, next_attempt_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 (event_type, json.dumps(payload, sort_keys=True, default=str), key, now, now))
    return key
