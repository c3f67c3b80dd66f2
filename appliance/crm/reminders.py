"""Reminder calls in the store: which are due, each claimed before its number is dialled, and
what came of it.

A reminder is one row per appointment time and offset. Claiming it (state 'calling', one more
attempt) is its own transaction, committed before the call is placed; a service that stops
during the call finds it still 'calling' at its next start and closes it as interrupted, never
dialling it again. A busy or unanswered number goes back to 'due' a while later, until the
attempts are spent. The latest result is also kept on the appointment, for the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.config.reminders import RemindersConfig
from appliance.crm.changes import audit
from appliance.crm.db import transaction
from appliance.crm.timeutil import parse_utc, utc_text

RETRIED = ("busy", "no_answer", "failed")  # tried again later, while attempts are left
RESULT_WORDS = {
    "confirmed": "confirmed by phone", "cancelled": "cancelled by phone", "rescheduled": "moved by phone",
    "change_requested": "asked to change it", "transferred": "put through to the front desk",
    "voicemail": "left a voicemail", "wrong_number": "wrong number", "no_response": "answered, said nothing",
    "opted_out_by_phone": "asked not to be called", "busy": "busy", "no_answer": "no answer",
    "failed": "call failed", "opted_out": "not called: opted out", "no_phone": "not called: no phone number",
    "message": "left a message for the front desk", "hung_up": "hung up without answering",
    "informed": "heard the reminder", "booked": "booked another visit", "expired": "not called: too late",
    "appointment_changed": "not called: appointment changed",
    "already_confirmed": "not called: already confirmed", "superseded": "not called: a later reminder was due too",
    "error": "the call broke off: please check with the patient", "interrupted": "call cut off by a restart",
}
_FIRST_PHONE = "(SELECT cp.phone FROM contact_phones cp WHERE cp.contact_id = a.contact_id ORDER BY cp.rowid LIMIT 1)"
_SELECT = f"""SELECT r.id, r.appointment_id, a.contact_id, c.name, COALESCE(r.phone, ''), r.starts_at, r.offset_min,
    r.due_at, r.next_attempt_at, r.attempts, r.state, r.result, s.name, p.name, a.status, a.starts_at,
    c.reminder_calls, a.reminder_result, {_FIRST_PHONE}
    FROM reminders r JOIN appointments a ON a.id = r.appointment_id JOIN contacts c ON c.id = a.contact_id
    JOIN services s ON s.id = a.service_id JOIN providers p ON p.id = a.provider_id"""


@dataclass(frozen=True)
class Reminder:
    """One reminder call to make (or made), with what the call needs to know."""

    id: int
    appointment_id: int
    contact_id: int
    patient: str
    phone: str
    starts_at: datetime
    offset_min: int
    due_at: datetime
    next_attempt_at: datetime
    attempts: int
    state: str
    result: str
    service: str
    provider: str


def result_words(result: str) -> str:
    """A stored result in the front desk's words ('' stays '')."""
    return RESULT_WORDS.get(result, result.replace("_", " "))


class Reminders:
    """The reminder calls of one store, planned and paced by `config` in the clinic's `tz`."""

    def __init__(self, db: sqlite_utils.Database, tz: ZoneInfo, config: RemindersConfig) -> None:
        self.db = db
        self.tz = tz
        self.config = config

    # --- planning ------------------------------------------------------------------------
    def plan(self, now: datetime) -> int:
        """Add the reminders of booked appointments within the longest offset (and a day); an
        offset that had already passed when the appointment was booked or last changed (moved)
        gets none. A time the appointment comes back to gets its reminders again. Returns how many
        were added."""
        horizon = now + timedelta(minutes=max(self.config.offsets_minutes)) + timedelta(days=1)
        rows = self.db.execute(
            "SELECT id, starts_at, updated_at FROM appointments WHERE status = 'booked' AND starts_at > ? "
            "AND starts_at <= ?", [utc_text(now), utc_text(horizon)]).fetchall()
        added = 0
        with transaction(self.db) as conn:
            for appointment_id, starts_at, changed_at in rows:
                start = parse_utc(starts_at)
                for offset in self.config.offsets_minutes:
                    due = utc_text(start - timedelta(minutes=offset))
                    if due < changed_at:
                        continue
                    added += conn.execute(
                        "INSERT INTO reminders (appointment_id, starts_at, offset_min, due_at, next_attempt_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (appointment_id, starts_at, offset_min) "
                        "DO UPDATE SET state = 'due', result = '', attempts = 0, next_attempt_at = excluded.due_at, "
                        "updated_at = excluded.updated_at WHERE result = 'appointment_changed'",
                        (appointment_id, starts_at, offset, due, due, utc_text(now))).rowcount
        return added

    def recover(self, now: datetime) -> int:
        """Close reminders whose call a stopped service left open: never dialled again."""
        with transaction(self.db) as conn:
            rows = conn.execute("SELECT id, appointment_id FROM reminders WHERE state = 'calling'").fetchall()
            for reminder_id, appointment_id in rows:
                self._close(conn, reminder_id, appointment_id, "interrupted", None, now)
        return len(rows)

    # --- what to call --------------------------------------------------------------------
    def calling_allowed(self, now: datetime) -> bool:
        """Whether `now` is within the calling hours and days, clinic time."""
        local = now.astimezone(self.tz)
        start, end = self.config.window
        return local.weekday() in self.config.weekdays and start <= local.time() < end

    def next_calling_time(self, at: datetime) -> datetime:
        """`at`, or the first moment after it within the calling hours and days."""
        if self.calling_allowed(at):
            return at
        start, _ = self.config.window
        local = at.astimezone(self.tz)
        for days in range(8):
            day = local.date() + timedelta(days=days)
            opens = datetime.combine(day, start, tzinfo=self.tz)
            if opens > local and day.weekday() in self.config.weekdays:
                return opens.astimezone(at.tzinfo)
        return at  # no calling day at all: the settings refuse that

    def due(self, now: datetime) -> list[Reminder]:
        """The reminders to call now, soonest appointment first. Those that must not be called
        (opted out, no number, too late, the appointment moved or gone, already confirmed) are
        closed here, with the reason as their result."""
        if not self.calling_allowed(now):
            return []
        found, seen = [], set()
        for reminder, row in self._read("WHERE r.state = 'due' AND r.next_attempt_at <= ? ORDER BY a.starts_at, "
                                        "r.offset_min", [utc_text(now)]):
            skip = "superseded" if reminder.appointment_id in seen else self._skip(reminder, row, now)
            seen.add(reminder.appointment_id)
            if skip:
                with transaction(self.db) as conn:
                    self._close(conn, reminder.id, reminder.appointment_id, skip, None, now)
            else:
                found.append(reminder)
        return found

    def upcoming(self, now: datetime, until: datetime) -> list[Reminder]:
        """Reminders waiting for their call whose next attempt falls before `until` (for a dry run)."""
        return [r for r, row in self._read("WHERE r.state = 'due' AND r.next_attempt_at < ? ORDER BY "
                                           "r.next_attempt_at", [utc_text(until)])]

    def recent(self, since: datetime) -> list[Reminder]:
        """Reminders changed since `since`, newest first."""
        return [r for r, row in self._read("WHERE r.updated_at >= ? ORDER BY r.updated_at DESC, r.id DESC",
                                           [utc_text(since)])]

    def skip_reason(self, reminder: Reminder, now: datetime) -> str:
        """Why `reminder` would not be called at `now` ('' when it would)."""
        found = self._read("WHERE r.id = ?", [reminder.id])
        return self._skip(*found[0], now) if found else "appointment_changed"

    def _skip(self, reminder: Reminder, row: tuple, now: datetime) -> str:
        status, current_start, allowed, latest = row[14], row[15], row[16], row[17]
        if status != "booked" or utc_text(reminder.starts_at) != current_start:
            return "appointment_changed"
        if not allowed:
            return "opted_out"
        if not reminder.phone:
            return "no_phone"
        if now > reminder.starts_at - timedelta(minutes=self.config.min_lead_minutes):
            return "expired"
        if latest == "confirmed":
            return "already_confirmed"
        return ""

    # --- calling -------------------------------------------------------------------------
    def claim(self, reminder_id: int, now: datetime) -> Reminder | None:
        """Take a due reminder for a call (committed before dialling); None when another run took
        it first, it is no longer due, calling hours are over, or it must not be called any more
        (opted out, the appointment moved or went, confirmed meanwhile: then it is closed)."""
        if not self.calling_allowed(now):
            return None
        with transaction(self.db) as conn:
            found = self._read("WHERE r.id = ? AND r.state = 'due' AND r.next_attempt_at <= ?",
                               [reminder_id, utc_text(now)])
            if not found:
                return None
            skip = self._skip(*found[0], now)
            if skip:
                self._close(conn, reminder_id, found[0][0].appointment_id, skip, None, now)
                return None
            conn.execute("UPDATE reminders SET state = 'calling', attempts = attempts + 1, updated_at = ?, phone = ? "
                         "WHERE id = ?", (utc_text(now), found[0][0].phone, reminder_id))
        return self._read("WHERE r.id = ?", [reminder_id])[0][0]

    def finish(self, reminder_id: int, result: str, call_id: int | None, now: datetime) -> Reminder:
        """Record what the call came to. A busy or unanswered number (or a failed call) is tried
        again `retry_after_minutes` later while attempts are left; anything else is final."""
        with transaction(self.db) as conn:
            appointment_id, attempts = conn.execute(
                "SELECT appointment_id, attempts FROM reminders WHERE id = ?", (reminder_id,)).fetchone()
            if result in RETRIED and attempts < self.config.max_attempts:
                retry = now + timedelta(minutes=self.config.retry_after_minutes)
                conn.execute("UPDATE reminders SET state = 'due', result = ?, call_id = COALESCE(?, call_id), "
                             "next_attempt_at = ?, updated_at = ? WHERE id = ?",
                             (result, call_id, utc_text(retry), utc_text(now), reminder_id))
                conn.execute("UPDATE appointments SET reminder_result = ? WHERE id = ?", (result, appointment_id))
            else:
                self._close(conn, reminder_id, appointment_id, result, call_id, now)
        return self._read("WHERE r.id = ?", [reminder_id])[0][0]

    def _close(self, conn: sqlite3.Connection, reminder_id: int, appointment_id: int, result: str,
               call_id: int | None, now: datetime) -> None:
        conn.execute("UPDATE reminders SET state = 'done', result = ?, call_id = COALESCE(?, call_id), "
                     "updated_at = ? WHERE id = ?", (result, call_id, utc_text(now), reminder_id))
        if result not in ("appointment_changed", "already_confirmed", "superseded"):  # the appointment's own stays
            conn.execute("UPDATE appointments SET reminder_result = ? WHERE id = ?", (result, appointment_id))
        audit(conn, "reminders", "reminder", "appointment", appointment_id, {"result": result, "call": call_id})

    def _read(self, where: str, params: list) -> list[tuple[Reminder, tuple]]:
        rows = self.db.execute(f"{_SELECT} {where}", params).fetchall()
        return [(Reminder(r[0], r[1], r[2], r[3], r[4] or r[18] or "", parse_utc(r[5]), r[6], parse_utc(r[7]),
                          parse_utc(r[8]), r[9], r[10], r[11], r[12], r[13]), r) for r in rows]
