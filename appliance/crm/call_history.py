"""Reading the call log back: calls with their turn counts and reply latencies for the front
desk's list, and per-day outcome counts and recent reply latencies for its dashboard."""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.crm.contacts import Contacts
from appliance.crm.timeutil import day_bounds, parse_iso

REPLY_STAGE = "first_frame_out"  # end of caller speech to the first agent audio sent
_REPLY_MS = f"json_extract(t.latency_json, '$.{REPLY_STAGE}')"  # a turn `t`'s reply latency in SQL
OUTCOMES = {  # what the service writes as a call's outcome, in the front desk's words
    "booked": "Booked",
    "rescheduled": "Rescheduled",
    "cancelled": "Cancelled",
    "message": "Message taken",
    "transferred": "Transferred to staff",
    "no_input": "Caller said nothing",
    "completed": "Completed",
    "caller_hung_up": "Caller hung up",
    "abandoned": "Hung up before speaking",
    "in_progress": "In progress",
    "interrupted": "Cut off: the service stopped",
}


def outcome_words(outcome: str) -> str:
    """A call outcome as the front desk reads it ('no_input' -> 'Caller said nothing')."""
    return OUTCOMES.get(outcome) or outcome.replace("_", " ").capitalize()


@dataclass(frozen=True)
class CallSummary:
    """One call as the call log lists it."""

    id: int
    direction: str
    started_at: datetime  # aware, UTC
    ended_at: datetime | None
    caller_number: str
    caller_name: str  # as the caller ID gave it
    contact_name: str  # the contact(s) with this number, '' when none
    outcome: str
    end_reason: str
    turns: int
    reply_latencies_ms: tuple[float, ...]  # each agent reply's REPLY_STAGE latency
    recording_path: str | None

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end, None while the call is going on."""
        return None if self.ended_at is None else (self.ended_at - self.started_at).total_seconds()

    @property
    def median_latency_ms(self) -> float | None:
        """The median reply latency, None when no reply was timed."""
        return statistics.median(self.reply_latencies_ms) if self.reply_latencies_ms else None


def find_calls(db: sqlite_utils.Database, contacts: Contacts, text: str = "", outcome: str = "",
               limit: int = 2000) -> list[CallSummary]:
    """The latest `limit` calls, newest first, with `outcome` (any when empty) and, when `text`
    is given, a caller name, contact name, number, outcome or transcript that contains it."""
    where, params = ["1"], []
    if outcome:
        where.append("c.outcome = ?")
        params.append(outcome)
    if text.strip():
        clause, text_params = _text_filter(db, contacts, text.strip())
        where.append(clause)
        params += text_params
    rows = db.execute(
        "SELECT c.id, c.direction, c.started_at, c.ended_at, c.caller_number, c.caller_name, c.outcome, "
        "c.end_reason, c.recording_path, (SELECT COUNT(*) FROM turns t WHERE t.call_id = c.id), "
        f"(SELECT json_group_array({_REPLY_MS}) FROM turns t WHERE t.call_id = c.id AND t.speaker = 'agent' "
        f"AND {_REPLY_MS} IS NOT NULL) FROM calls c WHERE {' AND '.join(where)} "
        "ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
        [*params, limit]).fetchall()
    names = {number: " / ".join(c.name for c in contacts.by_phone(number)) for number in {r[4] for r in rows}}
    return [CallSummary(id=r[0], direction=r[1], started_at=parse_iso(r[2]),
                        ended_at=parse_iso(r[3]) if r[3] else None, caller_number=r[4], caller_name=r[5],
                        contact_name=names[r[4]], outcome=r[6], end_reason=r[7], recording_path=r[8], turns=r[9],
                        reply_latencies_ms=tuple(float(v) for v in json.loads(r[10])))
            for r in rows]


def day_outcome_counts(db: sqlite_utils.Database, day: date, tz: ZoneInfo) -> dict[str, int]:
    """How many calls started on `day` (a local day in `tz`) ended with each outcome (the front
    desk's test calls with the agent are not the clinic's calls: left out)."""
    start, end = day_bounds(day, tz)
    rows = db.execute("SELECT outcome, COUNT(*) FROM calls WHERE started_at >= ? AND started_at < ? "
                      "AND direction != 'test' GROUP BY outcome", [_bound(start), _bound(end)]).fetchall()
    return dict(rows)


def reply_latencies(db: sqlite_utils.Database, since: datetime) -> list[float]:
    """The REPLY_STAGE latency (ms) of every timed agent reply in calls (not test calls) started
    since `since`."""
    rows = db.execute(
        f"SELECT {_REPLY_MS} FROM calls c JOIN turns t ON t.call_id = c.id WHERE c.started_at >= ? "
        f"AND c.direction != 'test' AND t.speaker = 'agent' AND {_REPLY_MS} IS NOT NULL", [_bound(since)]).fetchall()
    return [float(ms) for (ms,) in rows]


def _text_filter(db: sqlite_utils.Database, contacts: Contacts, text: str) -> tuple[str, list]:
    """SQL (and its parameters) for calls whose caller, outcome or transcript mentions `text`."""
    like = "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"
    clauses = ["c.caller_number LIKE ? ESCAPE '\\'", "c.caller_name LIKE ? ESCAPE '\\'",
               "EXISTS (SELECT 1 FROM turns t WHERE t.call_id = c.id AND t.text LIKE ? ESCAPE '\\')"]
    params: list = [like, like, like]
    lowered = text.lower()
    outcomes = [code for code, words in OUTCOMES.items() if lowered in code or lowered in words.lower()]
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3:
        clauses.append("c.caller_number LIKE ?")
        params.append(f"%{digits}%")
    for column, values in (("c.outcome", outcomes), ("c.caller_number", _contact_numbers(db, contacts, text))):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params += values
    return f"({' OR '.join(clauses)})", params


def _contact_numbers(db: sqlite_utils.Database, contacts: Contacts, text: str) -> list[str]:
    """Caller numbers in the log (as written) that belong to contacts found by `text`."""
    phones = {p for contact in contacts.search(text) for p in contact.phones}
    if not phones:
        return []
    return [n for (n,) in db.execute("SELECT DISTINCT caller_number FROM calls").fetchall()
            if contacts.phone_or_none(n) in phones]


def _bound(moment: datetime) -> str:
    """`moment` as the call log writes times, so text comparison is time comparison."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")
