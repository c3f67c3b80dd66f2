"""The dialogue's view of opening hours follows the store's hours and closures."""

from datetime import date, datetime

from appliance.crm.contacts import Contacts
from appliance.crm.schedule import Schedule
from appliance.dialogue.tools import Tools
from tests.dialogue.clinic import NOW, TZ, build_store


def test_clinic_open_follows_hours_and_closures(tmp_path):
    db, _ = build_store(tmp_path / "s.db")
    tools = Tools(db, TZ, Contacts(db))
    assert tools.clinic_open(NOW)
    assert not tools.clinic_open(NOW.replace(hour=12, minute=30)), "lunch break"
    assert not tools.clinic_open(datetime(2026, 12, 6, 10, tzinfo=TZ)), "Sunday"
    Schedule(db).add_closure(date(2026, 12, 2), date(2026, 12, 2), "training")
    assert not tools.clinic_open(NOW)
