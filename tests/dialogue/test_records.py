"""The call's view of the clinic's records: opening hours follow the store's hours and closures."""

from sqlcipher3 import dbapi2 as sqlite3
from datetime import date, datetime

import pytest

from appliance.crm.contacts import Contacts
from appliance.crm.schedule import Schedule
from appliance.dialogue.records import ClinicRecords
from tests.dialogue.clinic import NOW, TZ, build_store


def test_clinic_open_follows_hours_and_closures(tmp_path):
    db, _ = build_store(tmp_path / "s.db")
    records = ClinicRecords(db, TZ, Contacts(db))
    assert records.clinic_open(NOW)
    assert not records.clinic_open(NOW.replace(hour=12, minute=30)), "lunch break"
    assert not records.clinic_open(datetime(2026, 12, 6, 10, tzinfo=TZ)), "Sunday"
    Schedule(db).add_closure(date(2026, 12, 2), date(2026, 12, 2), "training")
    assert not records.clinic_open(NOW)


def test_close_releases_the_connection(tmp_path):
    db, _ = build_store(tmp_path / "s.db")
    records = ClinicRecords(db, TZ, Contacts(db))
    records.close()
    with pytest.raises(sqlite3.ProgrammingError):
        records.clinic_open(NOW)
