"""`appliance reminders`: a dry run lists what would be called and changes nothing; a run needs
the service; status lists the results."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from appliance.cli import main
from appliance.cli.reminders_cmd import dry_run
from appliance.config import RemindersConfig, load_config
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.reminders import Reminders
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import utc_text
from tests.crm.conftest import TZ


def box(tmp_path, dial: str = 'dial_uri = "sip:{number}@trunk.example"'):  # noqa: ANN201
    data = tmp_path / "data"
    db = open_store(data / "appliance.db")
    schedule = Schedule(db)
    patel = schedule.add_provider("Dr. Patel").id
    checkup = schedule.add_service("check-up", 30).id
    for day in range(7):
        schedule.set_hours(day, "00:00", "23:59")
    contacts = Contacts(db)
    appointments = Appointments(db, TZ)
    soon = (datetime.now(TZ) + timedelta(hours=30)).replace(minute=0, second=0, microsecond=0)
    for hour, (name, phones) in enumerate([("Ana Silva", ["555-201-0001"]), ("Ben Quiet", ["555-201-0002"]),
                                           ("Cleo Nophone", [])]):
        contact = contacts.add(name, phones, "1980-01-01")
        made = appointments.book(contact.id, patel, checkup, soon + timedelta(hours=hour), "front_desk")
        db.execute("UPDATE appointments SET created_at = ?1, updated_at = ?1 WHERE id = ?2",
                   [utc_text(datetime.now(UTC) - timedelta(days=5)), made.id])
        if name == "Ben Quiet":
            contacts.update(contact.id, reminder_calls=False)
    path = tmp_path / "appliance.toml"
    path.write_text(f'[paths]\ndata = "{data}"\n[clinic]\ntimezone = "{TZ.key}"\n[reminders]\n'
                    f'offsets_hours = [48]\ncalling_hours = "00:00-23:59"\n'
                    f'calling_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n{dial}\n')
    return path, db


def test_a_dry_run_lists_who_would_be_called_and_changes_nothing(tmp_path, capsys):
    path, db = box(tmp_path)
    assert main(["--config", str(path), "reminders", "run", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Reminder calls are off") and len(out) == 4, out
    out = out[1:]
    assert "Ana Silva (+15552010001)" in out[0] and "call now on sip:15552010001@trunk.example" in out[0]
    assert "Ben Quiet" in out[1] and "not called: opted out" in out[1]
    assert "Cleo Nophone (no number)" in out[2] and "not called: no phone number" in out[2]
    assert db.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] == 0


def test_a_dry_run_says_when_no_way_to_dial_is_set(tmp_path, capsys):
    path, _ = box(tmp_path, dial="")
    assert main(["--config", str(path), "reminders", "run", "--dry-run"]) == 0
    assert "cannot dial: no way to dial out" in capsys.readouterr().out


def test_a_run_needs_the_service(tmp_path, capsys):
    path, _ = box(tmp_path)
    assert main(["--config", str(path), "reminders", "run"]) == 1
    assert "the service is not reachable" in capsys.readouterr().out


def test_status_lists_the_results(tmp_path, capsys):
    path, db = box(tmp_path)
    reminders = Reminders(db, TZ, RemindersConfig(offsets_hours=[48], calling_hours="00:00-23:59",
                                                  calling_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"]))
    now = datetime.now(UTC)
    reminders.plan(now)
    [ana] = reminders.due(now)
    reminders.claim(ana.id, now)
    reminders.finish(ana.id, "voicemail", None, now)
    assert main(["--config", str(path), "reminders", "status"]) == 0
    out = capsys.readouterr().out
    assert "Ana Silva" in out and "left a voicemail (1 call(s), done)" in out and "not called: opted out" in out


def test_a_dry_run_tells_a_reminder_that_calling_hours_make_too_late(tmp_path):
    path, db = box(tmp_path)
    monday_8 = datetime(2026, 3, 16, 8, 0, tzinfo=TZ)
    db.execute("DELETE FROM appointments")
    contact = Contacts(db).by_phone("555-201-0001")[0]
    made = Appointments(db, TZ).book(contact.id, 1, 1, monday_8.replace(hour=12), "import")
    db.execute("UPDATE appointments SET created_at = ?1, updated_at = ?1 WHERE id = ?2",
               [utc_text(monday_8 - timedelta(days=5)), made.id])
    config = load_config(path)
    config = replace(config, reminders=replace(config.reminders, offsets_hours=[2], calling_hours="13:00-19:00"))
    [line] = dry_run(config, monday_8, timedelta(hours=24))[1:]
    assert "Ana Silva" in line and "not called: too late" in line  # due at 10:00, calls start at 13:00
    config = replace(config, reminders=replace(config.reminders, calling_hours="09:00-19:00"))
    assert "call from Mon 16 Mar 10:00 on sip:15552010001@trunk.example" in dry_run(config, monday_8,
                                                                                   timedelta(hours=24))[1]
