"""The day at a glance for the front desk: one clinic-local day's appointments next to the calls
that made or changed them, the messages and call-backs still open, and the day's hand-overs to
staff with a tally of their reasons (where the phone agent falls short)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.crm.contacts import Contacts
from appliance.crm.messages import COLUMNS as MESSAGE_COLUMNS
from appliance.crm.messages import Message, message_from_row
from appliance.crm.timeutil import day_bounds, now_utc, parse_iso, parse_utc, utc_text

MESSAGE_LIMIT = 500  # the oldest open messages shown, no more
ACTIONS = ("booked", "cancelled", "moved", "reminded")  # what a call did to an appointment, in this order
_AUDITED = {"cancel": "cancelled", "reschedule": "moved"}  # audit action -> what the call did
_IDS = "SELECT value FROM json_each(?)"


def clinic_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """The clinic's local date at `now` (the current time by default)."""
    return (now or now_utc()).astimezone(tz).date()


@dataclass(frozen=True)
class CallRef:
    """A call as the day's view names it; the window opens it in the call log by `id`."""

    id: int
    started_at: datetime  # aware, UTC
    direction: str
    caller_number: str
    caller_name: str  # as the caller ID gave it
    contact_name: str  # the contact(s) with this number, '' when none
    outcome: str

    @property
    def caller(self) -> str:
        """Who called (or was called): the contact, else the caller ID name, with the number."""
        name = self.contact_name or self.caller_name
        who = f"{name} ({self.caller_number})" if name and self.caller_number else name or self.caller_number
        who = who or "Unknown caller"
        return {"outbound": f"{who}, outgoing", "test": f"{who}, test call"}.get(self.direction, who)


@dataclass(frozen=True)
class AppointmentCall:
    """A call about an appointment and what it did to it (some of ACTIONS)."""

    call: CallRef
    actions: tuple[str, ...]


@dataclass(frozen=True)
class DayAppointment:
    """One of the day's appointments (cancelled ones too), with its calls oldest first."""

    id: int
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    patient: str
    service: str
    dentist: str
    status: str  # booked, cancelled, completed, no_show
    reminder_result: str  # the latest reminder call's result code, '' when none
    calls: tuple[AppointmentCall, ...]


@dataclass(frozen=True)
class Handover:
    """A caller handed to staff: when, why, the summary staff got, and the call (None if unknown)."""

    id: int
    at: datetime  # aware, UTC
    reason: str
    summary: str
    target: str  # 'front desk', 'on-call'
    mode: str  # 'transfer', 'desk'
    call: CallRef | None


@dataclass(frozen=True)
class DayGlance:
    """What the front desk follows up on `day`."""

    day: date
    appointments: tuple[DayAppointment, ...]  # by start time
    open_messages: tuple[Message, ...]  # any day, oldest first
    handovers: tuple[Handover, ...]  # oldest first
    reasons: tuple[tuple[str, int], ...]  # (reason, hand-overs), the most frequent first

    @property
    def urgent_count(self) -> int:
        """How many open messages are urgent."""
        return sum(m.urgent for m in self.open_messages)


class DayGlanceReader:
    """Reads the day at a glance from one store (clinic time zone `tz`)."""

    def __init__(self, db: sqlite_utils.Database, contacts: Contacts, tz: ZoneInfo) -> None:
        self.db = db
        self.contacts = contacts
        self.tz = tz

    def read(self, day: date | None = None) -> DayGlance:
        """The glance at `day` (the clinic's today by default)."""
        day = day or clinic_today(self.tz)
        handovers = self.handovers(day)
        return DayGlance(day, self.appointments(day), self.open_messages(), handovers, tally(handovers))

    def appointments(self, day: date) -> tuple[DayAppointment, ...]:
        """The appointments starting on `day`, whatever their status, with the calls that booked,
        cancelled, moved or reminded them."""
        start, end = day_bounds(day, self.tz)
        rows = self.db.execute(
            "SELECT a.id, a.starts_at, a.ends_at, c.name, s.name, p.name, a.status, a.reminder_result "
            "FROM appointments a JOIN contacts c ON c.id = a.contact_id JOIN services s ON s.id = a.service_id "
            "JOIN providers p ON p.id = a.provider_id WHERE a.starts_at >= ? AND a.starts_at < ? "
            "ORDER BY a.starts_at, p.name, a.id", [utc_text(start), utc_text(end)]).fetchall()
        acts = self._call_actions([r[0] for r in rows])
        calls = self.calls({call_id for found in acts.values() for call_id in found})
        return tuple(DayAppointment(r[0], parse_utc(r[1]), parse_utc(r[2]), *r[3:8], calls=_about(
            acts.get(r[0], {}), calls)) for r in rows)

    def open_messages(self, limit: int = MESSAGE_LIMIT) -> tuple[Message, ...]:
        """The messages and call-backs not done yet, from any day, oldest first."""
        rows = self.db.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE status = 'open' "
                               "ORDER BY created_at, id LIMIT ?", [limit]).fetchall()
        return tuple(message_from_row(r) for r in rows)

    def handovers(self, day: date) -> tuple[Handover, ...]:
        """The hand-overs to staff on `day` (the front desk's test calls with the agent left out)."""
        start, end = day_bounds(day, self.tz)
        rows = self.db.execute(
            "SELECT h.id, h.created_at, h.reason, h.summary, h.target, h.mode, h.call_id FROM handovers h "
            "LEFT JOIN calls c ON c.id = h.call_id WHERE h.created_at >= ? AND h.created_at < ? "
            "AND COALESCE(c.direction, '') != 'test' ORDER BY h.created_at, h.id",
            [utc_text(start), utc_text(end)]).fetchall()
        calls = self.calls({r[6] for r in rows if r[6] is not None})
        return tuple(Handover(r[0], parse_iso(r[1]), *r[2:6], calls.get(r[6])) for r in rows)

    def calls(self, call_ids: Iterable[int]) -> dict[int, CallRef]:
        """These calls (those still in the log), by id, each with the contact its number belongs to."""
        rows = self.db.execute(
            "SELECT id, started_at, direction, caller_number, caller_name, outcome FROM calls "
            f"WHERE id IN ({_IDS})", [json.dumps(sorted(call_ids))]).fetchall()
        names = {n: " / ".join(c.name for c in self.contacts.by_phone(n)) for n in {r[3] for r in rows} if n}
        return {r[0]: CallRef(r[0], parse_iso(r[1]), r[2], r[3], r[4], names.get(r[3], ""), r[5]) for r in rows}

    def _call_actions(self, appointment_ids: list[int]) -> dict[int, dict[int, list[str]]]:
        """appointment id -> call id -> what the call did to it: booked it (the appointment's call),
        cancelled or moved it (the call named in the audit entry), reminded the patient of it."""
        ids = json.dumps(appointment_ids)
        found: dict[int, dict[int, list[str]]] = {}

        def add(appointment_id: int, call_id: int | None, action: str) -> None:
            if call_id is not None:
                found.setdefault(appointment_id, {}).setdefault(int(call_id), []).append(action)

        for aid, call_id in self.db.execute(f"SELECT id, call_id FROM appointments WHERE id IN ({_IDS})", [ids]):
            add(aid, call_id, "booked")
        for aid, action, call_id in self.db.execute(
                "SELECT entity_id, action, json_extract(detail_json, '$.call_id') FROM audit_log "
                f"WHERE entity = 'appointment' AND entity_id IN ({_IDS}) AND action IN ('cancel', 'reschedule') "
                "ORDER BY id", [ids]):
            add(aid, call_id, _AUDITED[action])
        for aid, call_id in self.db.execute(
                f"SELECT appointment_id, call_id FROM reminders WHERE appointment_id IN ({_IDS}) "
                "AND call_id IS NOT NULL", [ids]):
            add(aid, call_id, "reminded")
        return found


def tally(handovers: Iterable[Handover]) -> tuple[tuple[str, int], ...]:
    """How many hand-overs had each reason, the most frequent first (then by reason)."""
    counts = Counter(h.reason for h in handovers)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _about(actions: dict[int, list[str]], calls: dict[int, CallRef]) -> tuple[AppointmentCall, ...]:
    """The calls (still in the log) with what each did, oldest first."""
    found = [AppointmentCall(calls[cid], tuple(a for a in ACTIONS if a in done))
             for cid, done in actions.items() if cid in calls]
    return tuple(sorted(found, key=lambda c: (c.call.started_at, c.call.id)))
