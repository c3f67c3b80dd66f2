"""A fresh SQLite file per test with a small clinic: two providers, three services, hours."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.schedule import Schedule

TZ = ZoneInfo("America/New_York")


@dataclass
class Clinic:
    db: object
    path: object
    contacts: Contacts
    schedule: Schedule
    appointments: Appointments
    patel: int
    okafor: int
    checkup: int
    cleaning: int


@pytest.fixture()
def clinic(tmp_path) -> Clinic:
    path = tmp_path / "clinic.db"
    db = open_store(path)
    schedule = Schedule(db)
    patel = schedule.add_provider("Dr. Patel").id
    okafor = schedule.add_provider("Dr. Okafor").id
    checkup = schedule.add_service("check-up", 30).id
    cleaning = schedule.add_service("cleaning", 45, providers=[patel]).id
    for day in range(5):
        schedule.set_hours(day, "08:00", "12:00")
        schedule.set_hours(day, "13:00", "18:00")
    schedule.set_hours("saturday", "09:00", "13:00")
    return Clinic(db, path, Contacts(db, country_code="1"), schedule, Appointments(db, TZ),
                  patel, okafor, checkup, cleaning)
