"""Booking, cancelling and rescheduling, each one transaction with its audit entry and its
outbox event. Two calls booking the same slot at once: one wins, the other gets
`SlotTakenError` (writers are serialised by BEGIN IMMEDIATE, and a trigger refuses any
overlapping booked row, whoever writes it). A retry with the same idempotency key returns
the first result instead of booking twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.availability import local_instant
from appliance.crm.changes import audit, enqueue
from appliance.crm.db import transaction
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import now_utc, parse_utc, utc_text
from appliance.errors import ApplianceError

SOURCES = ("phone_agent", "front_desk", "import")
Also = Callable[[sqlite3.Connection, "Appointment"], None]
COLUMNS = "id, contact_id, provider_id, service_id, starts_at, ends_at, status, source, version"


class AppointmentError(ApplianceError):
    """The booking request is not valid."""

    code = "crm.appointment"


class SlotTakenError(AppointmentError):
    """Someone booked that time just before: offer another slot."""

    code = "crm.slot_taken"


class StaleAppointmentError(AppointmentError):
    """The appointment changed since it was read (optimistic check failed)."""

    code = "crm.stale"


@dataclass(frozen=True)
class Appointment:
    """One appointment as stored; times are aware UTC datetimes."""

    id: int
    contact_id: int
    provider_id: int
    service_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    source: str
    version: int


class Appointments:
    """Appointments of the clinic (`tz` is its time zone, for opening-hours checks)."""

    def __init__(self, db: sqlite_utils.Database, tz: ZoneInfo) -> None:
        self.db = db
        self.tz = tz
        self.schedule = Schedule(db)

    def book(self, contact_id: int, provider_id: int, service_id: int, starts_at: datetime, source: str,
             idempotency_key: str | None = None, call_id: int | None = None,
             actor: str | None = None) -> Appointment:
        """Book a slot; `SlotTakenError` if it overlaps a booked appointment of the provider."""
        if source not in SOURCES:
            raise AppointmentError(f"source must be one of {SOURCES}")
        service = self.schedule.service(service_id)
        ends_at = starts_at + timedelta(minutes=service.duration_min)
        self._check_bookable(provider_id, service_id, starts_at, ends_at, within_hours=source != "import")
        now = utc_text(now_utc())
        try:
            with transaction(self.db) as conn:
                if idempotency_key:
                    done = conn.execute("SELECT id FROM appointments WHERE idempotency_key = ?",
                                        (idempotency_key,)).fetchone()
                    if done:
                        return self.get(done[0])
                if not conn.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone():
                    raise AppointmentError(f"no contact {contact_id}")
                aid = conn.execute(
                    "INSERT INTO appointments (contact_id, provider_id, service_id, starts_at, ends_at, source, "
                    "idempotency_key, call_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (contact_id, provider_id, service_id, utc_text(starts_at), utc_text(ends_at), source,
                     idempotency_key, call_id, now, now)).lastrowid
                appointment = self._read(conn, aid)
                audit(conn, actor or source, "book", "appointment", aid, _payload(appointment))
                enqueue(conn, "appointment.booked", _payload(appointment))
        except sqlite3.IntegrityError as exc:
            raise _integrity(exc) from None
        return appointment

    def cancel(self, appointment_id: int, expected_version: int | None = None, reason: str = "",
               actor: str = "front_desk", also: Also | None = None, call_id: int | None = None) -> Appointment:
        """Cancel; cancelling a cancelled appointment changes nothing. `also(conn, appointment)`
        runs inside the same transaction, whether or not anything changed. `call_id`: the call
        that asked for it, kept in the audit entry."""
        with transaction(self.db) as conn:
            current = self._read(conn, appointment_id)
            self._check_version(current, expected_version)
            if current.status == "cancelled":
                appointment = current
            else:
                conn.execute("UPDATE appointments SET status = 'cancelled', version = version + 1, updated_at = ? "
                             "WHERE id = ?", (utc_text(now_utc()), appointment_id))
                appointment = self._read(conn, appointment_id)
                audit(conn, actor, "cancel", "appointment", appointment_id, _with_call({"reason": reason}, call_id))
                enqueue(conn, "appointment.cancelled", {**_payload(appointment), "reason": reason})
            if also is not None:
                also(conn, appointment)
        return appointment

    def reschedule(self, appointment_id: int, starts_at: datetime, provider_id: int | None = None,
                   expected_version: int | None = None, actor: str = "front_desk", ends_at: datetime | None = None,
                   within_hours: bool = True, also: Also | None = None, call_id: int | None = None) -> Appointment:
        """Move to a new time (and provider); the old slot is freed in the same transaction.
        `ends_at` defaults to the service's length; `within_hours=False` takes a time staff chose
        outside opening hours (in their calendar); `also` and `call_id` as for `cancel`."""
        current = self.get(appointment_id)
        provider = provider_id or current.provider_id
        service = self.schedule.service(current.service_id)
        ends_at = ends_at or starts_at + timedelta(minutes=service.duration_min)
        self._check_bookable(provider, current.service_id, starts_at, ends_at,
                             within_hours=within_hours and current.source != "import")
        try:
            with transaction(self.db) as conn:
                current = self._read(conn, appointment_id)
                self._check_version(current, expected_version)
                if current.status != "booked":
                    raise AppointmentError(f"appointment {appointment_id} is {current.status}")
                if (current.starts_at, current.ends_at, current.provider_id) == (starts_at, ends_at, provider):
                    appointment = current
                else:
                    conn.execute("UPDATE appointments SET reminder_result = CASE WHEN starts_at = ? THEN "
                                 "reminder_result ELSE '' END, starts_at = ?, ends_at = ?, provider_id = ?, "
                                 "version = version + 1, updated_at = ? WHERE id = ?",  # a new time is not confirmed
                                 (utc_text(starts_at), utc_text(starts_at), utc_text(ends_at), provider,
                                  utc_text(now_utc()), appointment_id))
                    appointment = self._read(conn, appointment_id)
                    audit(conn, actor, "reschedule", "appointment", appointment_id,
                          _with_call({"from": utc_text(current.starts_at), "to": utc_text(starts_at)}, call_id))
                    enqueue(conn, "appointment.rescheduled", {**_payload(appointment),
                                                              "previous_start": utc_text(current.starts_at)})
                if also is not None:
                    also(conn, appointment)
        except sqlite3.IntegrityError as exc:
            raise _integrity(exc) from None
        return appointment

    def get(self, appointment_id: int) -> Appointment:
        """One appointment."""
        return self._read(self.db.conn, appointment_id)

    def for_contact(self, contact_id: int, upcoming_after: datetime | None = None) -> list[Appointment]:
        """A contact's booked appointments (from `upcoming_after` on, when given), soonest first."""
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM appointments WHERE contact_id = ? AND status = 'booked' AND starts_at >= ? "
            "ORDER BY starts_at", [contact_id, utc_text(upcoming_after) if upcoming_after else ""]).fetchall()
        return [_appointment(r) for r in rows]

    def between(self, start: datetime, end: datetime, provider_id: int | None = None,
                include_cancelled: bool = False) -> list[Appointment]:
        """Appointments starting in [start, end)."""
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM appointments WHERE starts_at >= ? AND starts_at < ? "
            "AND (? IS NULL OR provider_id = ?) AND (? OR status = 'booked') ORDER BY starts_at",
            [utc_text(start), utc_text(end), provider_id, provider_id, include_cancelled]).fetchall()
        return [_appointment(r) for r in rows]

    def _check_bookable(self, provider_id: int, service_id: int, starts_at: datetime, ends_at: datetime,
                        within_hours: bool) -> None:
        if starts_at.tzinfo is None:
            raise AppointmentError("appointment times must be timezone-aware")
        if not any(p.id == provider_id for p in self.schedule.providers(service_id)):
            raise AppointmentError(f"provider {provider_id} does not offer service {service_id}")
        if not within_hours:
            return
        local = starts_at.astimezone(self.tz)
        for opens, closes in self.schedule.hours_on(local.date(), provider_id):
            open_at = local_instant(local.date(), opens, self.tz)
            close_at = local_instant(local.date(), closes, self.tz)
            if open_at and close_at and open_at <= starts_at and ends_at <= close_at:
                return
        raise AppointmentError(f"{local:%A %d %B %H:%M} is outside opening hours")

    @staticmethod
    def _check_version(current: Appointment, expected: int | None) -> None:
        if expected is not None and current.version != expected:
            raise StaleAppointmentError(f"appointment {current.id} was changed by someone else; reload it")

    @staticmethod
    def _read(conn: sqlite3.Connection, appointment_id: int) -> Appointment:
        row = conn.execute(f"SELECT {COLUMNS} FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
        if row is None:
            raise AppointmentError(f"no appointment {appointment_id}")
        return _appointment(row)


def _appointment(row: tuple) -> Appointment:
    return Appointment(row[0], row[1], row[2], row[3], parse_utc(row[4]), parse_utc(row[5]), *row[6:])


def _payload(a: Appointment) -> dict:
    return {"appointment_id": a.id, "contact_id": a.contact_id, "provider_id": a.provider_id,
            "service_id": a.service_id, "starts_at": utc_text(a.starts_at), "ends_at": utc_text(a.ends_at),
            "status": a.status, "source": a.source, "version": a.version}


def _with_call(detail: dict, call_id: int | None) -> dict:
    """An audit detail naming the call that made the change, when one did."""
    return detail if call_id is None else {**detail, "call_id": call_id}


def _integrity(exc: sqlite3.IntegrityError) -> AppointmentError:
    if "slot_taken" in str(exc):
        return SlotTakenError("that time was just taken; please choose another slot")
    return AppointmentError(f"the booking was refused: {exc}")
