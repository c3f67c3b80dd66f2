"""A day of the demo clinic written the way the service and the front desk write it (calls,
bookings by phone and by hand, hand-overs), each at a chosen time, for the day-at-a-glance tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

from appliance.crm.appointments import Appointment, Appointments
from appliance.crm.availability import Slot
from appliance.crm.calls import CallLog
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.schedule import Schedule
from appliance.dialogue.records import ClinicRecords
from appliance.lab.demo import DEMO_PATIENT

TZ = ZoneInfo("America/New_York")  # the demo clinic's
MONDAY = date(2030, 6, 10)
MARIA_NUMBER = DEMO_PATIENT[1]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at `hour`:`minute`, clinic time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@dataclass
class Demo:
    """The demo clinic's store, and ways to write into it as the service and the front desk do."""

    db: object
    contacts: Contacts
    appointments: Appointments
    provider: dict[str, int]
    service: dict[str, int]
    maria: int

    @classmethod
    def open(cls, path: Path) -> Demo:
        """The demo store at `path` (seeded by `demo_config`), on a connection of its own."""
        db = open_store(path)
        schedule, contacts = Schedule(db), Contacts(db)
        return cls(db, contacts, Appointments(db, TZ), {p.name: p.id for p in schedule.providers()},
                   {s.name: s.id for s in schedule.services()}, contacts.by_phone(MARIA_NUMBER)[0].id)

    def call(self, at: datetime, number: str, name: str = "", outcome: str = "completed",
             direction: str = "inbound") -> int:
        """A call logged at `at` the way the service logs it."""
        with time_machine.travel(at, tick=False):
            log = CallLog(self.db)
            call_id = log.start(number, name, direction)
            log.end(call_id, outcome)
        return call_id

    def by_phone(self, call_id: int | None) -> ClinicRecords:
        """The records as the agent on call `call_id` changes them."""
        return ClinicRecords(self.db, TZ, self.contacts, call_record=call_id)

    def slot(self, dentist: str, service: str, starts_at: datetime) -> Slot:
        """A slot as the agent offers it."""
        duration = Schedule(self.db).service(self.service[service]).duration_min
        return Slot(self.provider[dentist], dentist, self.service[service], starts_at,
                    starts_at + timedelta(minutes=duration))

    def book(self, contact_id: int, dentist: str, service: str, starts_at: datetime, at: datetime,
             call_id: int | None = None) -> Appointment:
        """Booked at `at`, by the agent on `call_id`, or by the front desk when None."""
        with time_machine.travel(at, tick=False):
            if call_id is None:
                return self.appointments.book(contact_id, self.provider[dentist], self.service[service], starts_at,
                                              "front_desk")
            return self.by_phone(call_id).book(contact_id, self.slot(dentist, service, starts_at), f"key{call_id}")

    def hand_over(self, at: datetime, number: str, reason: str, direction: str = "inbound") -> int:
        """A call at `at` the agent handed to the front desk for `reason`; the call's id."""
        call = self.call(at, number, "", "transferred", direction)
        with time_machine.travel(at + timedelta(seconds=30), tick=False):
            self.by_phone(call).record_handover(reason, f"Handover: {reason}.", "front desk", "transfer")
        return call

    def close(self) -> None:
        """Close this connection."""
        self.db.conn.close()
