"""The test clinic for dialogue scenarios: a fixed 'now', two providers, three services, patients."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from appliance.config import ClinicConfig
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.schedule import Schedule
from appliance.dialogue.call import Call
from appliance.dialogue.policy import Dialogue
from appliance.dialogue.records import ClinicRecords
from appliance.models.protocols import LlmEngine

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)  # a Wednesday morning
CLINIC = ClinicConfig(name="Riverside Dental", timezone="America/New_York",
                      hours="We are open Monday to Friday from 8 to 6, and Saturday from 9 to 1.",
                      address="We are at 12 Mill Street.", parking="There is free parking behind the building.",
                      insurance="We accept most dental insurance plans.")
MARIA = "+15551234567"
JOHN = "+15559990000"


def build_store(path: Path) -> tuple[Database, dict[str, int]]:
    """A fresh store with the test clinic's schedule and two known patients."""
    db = open_store(path)
    schedule = Schedule(db)
    patel = schedule.add_provider("Dr. Patel").id
    okafor = schedule.add_provider("Dr. Okafor").id
    schedule.add_service("check-up", 30)
    schedule.add_service("cleaning", 45, providers=[patel])
    schedule.add_service("filling", 60)
    for day in range(5):
        schedule.set_hours(day, "08:00", "12:00")
        schedule.set_hours(day, "13:00", "18:00")
    schedule.set_hours("saturday", "09:00", "13:00")
    contacts = Contacts(db)
    maria = contacts.add("Maria Lopez", [MARIA], "1980-05-03")
    john = contacts.add("John Smith", [JOHN], "1975-11-20")
    appointments = Appointments(db, TZ)
    appointments.book(maria.id, patel, 2, datetime(2026, 12, 4, 9, tzinfo=TZ), "front_desk")
    appointments.book(john.id, okafor, 1, datetime(2026, 12, 7, 14, tzinfo=TZ), "front_desk")
    appointments.book(john.id, okafor, 3, datetime(2026, 12, 10, 9, tzinfo=TZ), "front_desk")
    return db, {"patel": patel, "okafor": okafor}


def make_dialogue(db: Database, llm: LlmEngine | None = None, now: datetime = NOW, **options: Any) -> Dialogue:
    """A dialogue for one call at `now` (`options`: can_transfer, has_on_call, on_silence...)."""
    return Dialogue(CLINIC, ClinicRecords(db, TZ, Contacts(db)), now=lambda: now, llm=llm, **options)


def new_call(db: Database, caller: str, llm: LlmEngine | None = None, **options: Any) -> Dialogue:
    """A dialogue for a call from `caller`, past its greeting (`options` as for `make_dialogue`)."""
    dialogue = make_dialogue(db, llm, **options)
    dialogue.greeting(caller)
    return dialogue


def talk(dialogue: Dialogue, *lines: str) -> list[str]:
    """What the agent answers to each of `lines`, said one after another with good confidence."""
    return [dialogue.respond(line, 0.9).text for line in lines]


def make_call(db: Database, caller: str = MARIA, now: datetime = NOW) -> Call:
    """What the flows of one call share, for `caller` at `now` (nobody looked up yet)."""
    call = Call(CLINIC, ClinicRecords(db, TZ, Contacts(db)), now=lambda: now)
    call.state.caller_number = caller
    return call
