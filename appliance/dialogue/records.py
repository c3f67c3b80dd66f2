"""The clinic's records as one call may read and change them: plain typed methods over the store
(the dialogue's code calls them; the language model never does)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.crm.appointments import Appointment, Appointments
from appliance.crm.availability import Slot, free_slots
from appliance.crm.changes import audit
from appliance.crm.contacts import Contact, Contacts
from appliance.crm.db import transaction
from appliance.crm.names import same_last_name, same_person_name
from appliance.crm.schedule import Provider, Schedule, Service
from appliance.crm.spool import Spool, leave_message
from appliance.crm.timeutil import now_utc, utc_text
from appliance.dialogue.when import When

log = logging.getLogger(__name__)
APART = timedelta(hours=1)  # times offered together, or after others were turned down, lie this far apart


@dataclass
class ClinicRecords:
    """Everything one call may read or change: patients, the schedule, appointments, messages."""

    db: sqlite_utils.Database
    tz: ZoneInfo
    contacts: Contacts
    call_record: int | None = None
    spool: Spool | None = None  # where messages wait when the store refuses them
    changes: int = 0  # writes this call has tried, done or not: an answer that made one stands

    def __post_init__(self) -> None:
        self.schedule = Schedule(self.db)
        self.appointments = Appointments(self.db, self.tz)

    def lookup_caller(self, number: str) -> Contact | None:
        """The one contact with this caller ID (none when unknown or shared by several)."""
        found = self.contacts.by_phone(number)
        return found[0] if len(found) == 1 else None

    def find_contact(self, name: str, date_of_birth: str, besides: int | None = None) -> Contact | None:
        """The one contact with this date of birth and this name: as said, else nearly (the
        recogniser's spelling of it: "Gonzales" finds "Gonzalez"); None when none or several.
        `besides`: a contact left out (one registered on this call under a name misheard)."""
        found = [c for c in self.contacts.by_name_dob(name, date_of_birth) if c.id != besides]
        if not found:
            found = [c for c in self.contacts.by_dob(date_of_birth) if same_person_name(name, c.name)
                     and c.id != besides]
        return found[0] if len(found) == 1 else None

    def near_contacts(self, name: str, date_of_birth: str) -> list[Contact]:
        """The contacts with this date of birth and this last name (its first name misheard, or a
        twin's): the caller's spelled first name tells which, if any."""
        return [c for c in self.contacts.by_dob(date_of_birth) if same_last_name(name, c.name)]

    def new_contact(self, name: str, date_of_birth: str, number: str) -> Contact:
        """Register a new patient from the call."""
        self.changes += 1
        phones = [number] if self.contacts.phone_or_none(number) else []
        return self.contacts.add(name, phones, date_of_birth, actor="phone_agent")

    def rename_contact(self, contact: Contact, name: str) -> Contact:
        """Put right the name of a patient registered on this call."""
        self.changes += 1
        return self.contacts.update(contact.id, actor="phone_agent", name=name)

    def services(self) -> list[Service]:
        """Bookable services."""
        return self.schedule.services()

    def providers(self, service_id: int | None = None) -> list[Provider]:
        """Providers (of a service)."""
        return self.schedule.providers(service_id)

    def find_slots(self, service_id: int, when: When, now: datetime, provider_id: int | None = None,
                   count: int = 3, avoid: Collection[datetime] = (), near: datetime | None = None) -> list[Slot]:
        """Up to `count` free slots that fit `when`, none within an hour of the times `avoid` (a
        caller who turned down 9 and 10 does not want 9:15 or 10:15), spread over the day when
        possible; when `near` is given, those on its day first, then the next days', each day's
        nearest its time of day first."""
        start = datetime.combine(when.first, datetime.min.time(), self.tz)
        end = datetime.combine(when.last + timedelta(days=1), datetime.min.time(), self.tz)
        fitting = [s for s in free_slots(self.db, self.tz, service_id, start, end, provider_id, now=now)
                   if when.allows(s.starts_at) and all(abs(s.starts_at - a) >= APART for a in avoid)]
        if near is not None:
            fitting.sort(key=lambda s: _from(s.starts_at.astimezone(self.tz), near))
        chosen: list[Slot] = []
        for slot in fitting:  # no two offers within an hour of each other, so the choice is real
            if all(abs(slot.starts_at - c.starts_at) >= APART for c in chosen):
                chosen.append(slot)
            if len(chosen) == count:
                break
        return chosen or fitting[:count]

    def book(self, contact_id: int, slot: Slot, key: str) -> Appointment:
        """Book `slot` (idempotent per `key`)."""
        self.changes += 1
        return self.appointments.book(contact_id, slot.provider_id, slot.service_id, slot.starts_at,
                                      "phone_agent", idempotency_key=key, call_id=self.call_record)

    def upcoming(self, contact_id: int, now: datetime) -> list[Appointment]:
        """The contact's booked appointments from now on."""
        return self.appointments.for_contact(contact_id, now)

    def cancel(self, appointment: Appointment) -> Appointment:
        """Cancel it (checking nobody changed it meanwhile)."""
        self.changes += 1
        return self.appointments.cancel(appointment.id, appointment.version, "cancelled by phone",
                                        actor="phone_agent", call_id=self.call_record)

    def reschedule(self, appointment: Appointment, slot: Slot) -> Appointment:
        """Move it to `slot`."""
        self.changes += 1
        return self.appointments.reschedule(appointment.id, slot.starts_at, slot.provider_id,
                                            appointment.version, actor="phone_agent", call_id=self.call_record)

    def take_message(self, text: str, number: str, name: str, contact_id: int | None, callback: bool) -> int | None:
        """Leave a message (or a callback request) for the front desk; None when the store
        refused it and it waits in the spool."""
        self.changes += 1
        return leave_message(self.db, self.spool, text, number, name, contact_id, callback, self.call_record)

    def record_handover(self, reason: str, summary: str, target: str, mode: str) -> int:
        """Note a handover to staff."""
        self.changes += 1
        with transaction(self.db) as conn:
            hid = conn.execute("INSERT INTO handovers (call_id, reason, summary, target, mode, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               (self.call_record, reason, summary, target, mode, utc_text(now_utc()))).lastrowid
            audit(conn, "phone_agent", "create", "handover", hid, {"reason": reason})
        return hid

    def clinic_open(self, now: datetime) -> bool:
        """Whether the clinic's own opening hours include `now` (a closure day is closed)."""
        return self.schedule.open_at(now, self.tz)

    def close(self) -> None:
        """Close this call's connection to the store."""
        self.db.conn.close()


def _from(moment: datetime, near: datetime) -> tuple[int, int]:
    """How far `moment` is from `near`: in days, then in minutes of the day."""
    minutes = abs((moment.hour * 60 + moment.minute) - (near.hour * 60 + near.minute))
    return abs((moment.date() - near.date()).days), minutes
