"""Who saw what: reads of patient records written to the audit log beside the changes, and the
audit log of a range of days read back for an export (CSV or JSON lines)."""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.crm.changes import audit
from appliance.crm.db import transaction
from appliance.crm.timeutil import parse_utc, utc_text
from appliance.errors import ApplianceError

FORMATS = ("csv", "jsonl")
COLUMNS = ("at_local", "at_utc", "actor", "action", "entity", "entity_id", "detail")


class AuditRangeError(ApplianceError):
    """A range of days that ends before it starts."""

    code = "audit.range"


def desk_actor() -> str:
    """'desk:<login>': the operating-system account this process runs as (by its user id, which
    the environment cannot change; 'desk:uid-N' when the account has no name)."""
    uid = os.getuid()
    try:
        return f"desk:{pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"desk:uid-{uid}"


def record_read(db: sqlite_utils.Database, actor: str, action: str, entity: str, entity_id: int | None,
                detail: dict[str, Any] | None = None) -> None:
    """Audit a read (`action` such as 'view' or 'search') in its own transaction. `detail` names
    records by id only: the audit log says what was seen, never the data itself."""
    with transaction(db) as conn:
        audit(conn, actor, action, entity, entity_id, detail)


@dataclass(frozen=True)
class AuditEntry:
    """One audit-log row as an export shows it: when (clinic time and UTC), who, what, which record."""

    at_local: str  # '2026-03-02T09:15:04-05:00'
    at_utc: str  # '2026-03-02T14:15:04Z'
    actor: str  # 'phone_agent', 'front_desk', 'desk:<login>', 'import'
    action: str  # 'view', 'search', 'book', 'update', ...
    entity: str  # 'contact', 'call', 'message', 'appointment', ...
    entity_id: int | None
    detail: dict[str, Any]


def entries(db: sqlite_utils.Database, first: date, last: date, tz: ZoneInfo) -> list[AuditEntry]:
    """The audit log from the start of day `first` to the end of day `last` (both in clinic time),
    oldest first."""
    if last < first:
        raise AuditRangeError(f"the range ends ({last}) before it starts ({first})")
    start = datetime.combine(first, time(), tz)
    end = datetime.combine(last + timedelta(days=1), time(), tz)
    rows = db.execute("SELECT at, actor, action, entity, entity_id, detail_json FROM audit_log "
                      "WHERE at >= ? AND at < ? ORDER BY at, id", [utc_text(start), utc_text(end)]).fetchall()
    return [AuditEntry(parse_utc(at).astimezone(tz).isoformat(), at, actor, action, entity, entity_id,
                       json.loads(detail)) for at, actor, action, entity, entity_id, detail in rows]


def export_text(found: Iterable[AuditEntry], fmt: str) -> str:
    """The entries as CSV (a header, the detail as JSON in its column) or as JSON lines."""
    if fmt == "jsonl":
        return "".join(json.dumps(asdict(entry), sort_keys=True) + "\n" for entry in found)
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in found:
        row = asdict(entry)
        row["detail"] = json.dumps(entry.detail, sort_keys=True)
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return out.getvalue()
