"""`appliance calendar` and the calendar part of `appliance setup`, against a real CalDAV server
(Radicale on loopback) and a real store and config file."""

from __future__ import annotations

import re
import io
import tomllib
from datetime import datetime, timedelta

import pytest

from appliance.calsync.connection import discover
from appliance.calsync.worker import SyncStatus
from appliance.cli import main
from appliance.config import load_config
from appliance.config.calendar import CalendarConfig
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.event_uids import uid_of
from appliance.crm.schedule import Schedule
from tests.calsync.conftest import TZ
from tests.calsync.test_sync import events
from tests.control_service import ServiceOnLoop


def monday(hour: int) -> datetime:
    today = datetime.now(TZ).date()
    day = today + timedelta(days=7 - today.weekday())
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def write_config(path, data, calendar: dict | None = None, password: str = "") -> None:
    """The config file (with a [calendar] table when given) and its secrets."""
    text = f'[paths]\ndata = "{data}"\n[clinic]\ntimezone = "{TZ.key}"\n'
    if calendar:
        text += "[calendar]\n" + "".join(f'{key} = "{value}"\n' for key, value in calendar.items()
                                         if not isinstance(value, dict))
        for key, value in calendar.items():
            if isinstance(value, dict):
                text += f"[calendar.{key}]\n" + "".join(f'"{who}" = "{url}"\n' for who, url in value.items())
    path.write_text(text)
    secrets = path.parent / "secrets.toml"
    if password:
        secrets.write_text(f'[calendar]\npassword = "{password}"\n')
    else:
        secrets.unlink(missing_ok=True)


@pytest.fixture()
def box(tmp_path, radicale):
    """A box's config file and store with two dentists, each with a calendar of their own."""
    data = tmp_path / "data"
    db = open_store(data / "appliance.db")
    schedule = Schedule(db)
    patel, okafor = schedule.add_provider("Dr. Patel").id, schedule.add_provider("Dr. Okafor").id
    schedule.add_service("check-up", 30, providers=[patel, okafor])
    for day in range(5):
        schedule.set_hours(day, "08:00", "18:00")
    urls = {"Dr. Patel": radicale.make_calendar("Dr. Patel"), "Dr. Okafor": radicale.make_calendar("Dr. Okafor")}
    path = tmp_path / "etc" / "appliance.toml"
    path.parent.mkdir()
    write_config(path, data, {"url": radicale.url, "user": radicale.user, "calendars": urls}, radicale.password)

    class Box:
        config = path
        store = db
        calendars = urls
        patel_id = patel
    return Box


def calendar(box, *args: str) -> list[str]:
    return ["--config", str(box.config), "calendar", *args]


def test_list_shows_the_accounts_calendars_and_whose_they_are(box, capsys, monkeypatch):
    assert main(calendar(box, "list")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("Dr. Patel") and line.endswith(f"{box.calendars['Dr. Patel']}  (Dr. Patel)")
               for line in lines)
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(calendar(box, "list", "--password", "-")) == 1
    assert capsys.readouterr().err == "PROBLEM: the calendar server refused the user name or password\n"


def test_test_says_ok_or_what_is_wrong(box, radicale, tmp_path, capsys):
    assert main(calendar(box, "test")) == 0
    out = capsys.readouterr().out
    assert f"ok: the calendar server at {radicale.url} took the user name and password" in out
    assert f"ok: Dr. Patel's calendar can be read: {box.calendars['Dr. Patel']}" in out
    assert main(calendar(box, "test", "--password", "wrong")) == 1
    assert capsys.readouterr().out == "PROBLEM: the calendar server refused the user name or password\n"
    missing = radicale.url + "clinic/nothing-here/"
    write_config(box.config, tmp_path / "data", {"url": radicale.url, "user": radicale.user,
                                                 "calendars": {"Dr. Patel": missing}}, radicale.password)
    assert main(calendar(box, "test")) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == f"PROBLEM: Dr. Patel's calendar: the calendar server has no calendar at {missing}"


def test_sync_writes_a_booking_and_status_follows(box, radicale, capsys):
    assert main(calendar(box, "status")) == 0
    assert capsys.readouterr().out.splitlines() == ["calendar sync: not synced yet",
                                                    "0 appointment change(s) wait to be written"]
    patient = Contacts(box.store, country_code="1").add("Jane van Dyke", ["+12025550143"], "1980-01-01").id
    checkup = Schedule(box.store).services()[0].id
    booked = Appointments(box.store, TZ).book(patient, box.patel_id, checkup, monday(10), "phone_agent")
    assert main(calendar(box, "status")) == 0
    assert "1 appointment change(s) wait to be written, the oldest since" in capsys.readouterr().out
    assert main(calendar(box, "sync")) == 0
    assert capsys.readouterr().out == "read 0 changed event(s), wrote 1 appointment(s), 0 conflict(s)\n"
    uid = uid_of(box.store, booked.id)
    assert events(radicale, box.calendars["Dr. Patel"])[uid]["DTSTART"].dt == monday(10)
    assert main(calendar(box, "status")) == 0
    status, waiting = capsys.readouterr().out.splitlines()
    assert status.startswith("calendar sync: ok, last read ") and waiting.startswith("0 appointment change(s)")
    (box.config.parent / "secrets.toml").write_text('[calendar]\npassword = "wrong"\n')
    assert main(calendar(box, "sync")) == 1
    assert "PROBLEM: the calendar server refused the user name or password" in capsys.readouterr().out
    assert main(calendar(box, "status")) == 1
    assert re.match(r"calendar sync: failing since \d\d:\d\d UTC: the calendar server refused the user name",
                    capsys.readouterr().out)


def test_sync_is_refused_while_the_service_syncs(box, tmp_path, capsys):
    served = ServiceOnLoop(tmp_path / "data")
    try:
        served.service.calendar_status = lambda: SyncStatus("waiting", 0, None, "")
        assert main(calendar(box, "sync")) == 1
        assert "the service is running and syncs the calendar by itself" in capsys.readouterr().err
        served.service.calendar_status = lambda: SyncStatus("off", 0, None, "")  # started before the calendar was set
        assert main(calendar(box, "sync")) == 0
    finally:
        served.close()


def test_sync_and_status_when_no_calendar_is_set(tmp_path, capsys):
    path = tmp_path / "appliance.toml"
    write_config(path, tmp_path / "data")
    assert main(["--config", str(path), "calendar", "status"]) == 0
    assert capsys.readouterr().out == "calendar sync: off\n"
    assert main(["--config", str(path), "calendar", "sync"]) == 1
    assert "calendar sync is off" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # nothing created


def setup(box, *extra: str) -> list[str]:
    return ["setup", "--config", str(box.config), "--skip-self-test", *extra]


def test_setup_unattended_writes_the_calendar_and_keeps_its_password_secret(box, radicale, monkeypatch, capsys):
    write_config(box.config, box.config.parent.parent / "data")  # no calendar yet, no secrets
    patel, shared = box.calendars["Dr. Patel"], box.calendars["Dr. Okafor"]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{radicale.password}\n"))
    code = main(setup(box, "--yes", "--calendar-url", radicale.url, "--calendar-user", radicale.user,
                      "--calendar-password", "-", "--calendar-for", f"Dr. Patel={patel}",
                      "--calendar-for", "Dr. Nobody=", "--calendar-shared", shared))
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"Checking the calendars at {radicale.url}... ok: the server took the user name and password; " \
           "2 calendar(s) can be read" in out
    written = tomllib.loads(box.config.read_text())["calendar"]
    assert written == {"url": radicale.url, "user": radicale.user, "calendars": {"Dr. Patel": patel},
                       "shared": shared}
    secrets = box.config.parent / "secrets.toml"
    assert tomllib.loads(secrets.read_text()) == {"calendar": {"password": radicale.password}}
    assert secrets.stat().st_mode & 0o777 == 0o600
    assert radicale.password not in box.config.read_text()
    config = load_config(box.config).calendar
    assert config.enabled and config.password == radicale.password
    assert main(setup(box, "--yes", "--calendar-for", f"Dr. Smith={patel}")) == 0  # the rest is kept
    assert "Note: no dentist is named 'Dr. Smith' in the store" in capsys.readouterr().out
    assert load_config(box.config).calendar.shared == shared


def test_setup_unattended_says_what_is_wrong_and_refuses_a_bad_flag(box, radicale, capsys):
    before = box.config.read_text()
    assert main(setup(box, "--yes", "--calendar-for", "Dr. Patel")) == 2
    assert "--calendar-for takes a dentist's name and a calendar URL" in capsys.readouterr().err
    assert main(setup(box, "--yes", "--calendar-shared", "cloud.example.org")) == 2
    assert "calendar.shared must start with http:// or https://" in capsys.readouterr().err
    assert box.config.read_text() == before
    assert main(setup(box, "--yes", "--calendar-password", "wrong")) == 1  # saved, but the check failed
    assert "PROBLEM: the calendar server refused the user name or password" in capsys.readouterr().out


def interview(monkeypatch, answers: list[str], passwords: list[str]) -> None:
    given, typed = iter(answers), iter(passwords)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(given))
    monkeypatch.setattr("appliance.cli.setup_cmd.getpass", lambda prompt="": next(typed))


def test_setup_interview_gives_each_dentist_a_calendar_by_number(box, radicale, monkeypatch, capsys):
    write_config(box.config, box.config.parent.parent / "data")
    found = [c.url for c in discover(CalendarConfig(url=radicale.url, user=radicale.user,
                                                    password=radicale.password))]
    patel, okafor = (str(found.index(box.calendars[who]) + 1) for who in ("Dr. Patel", "Dr. Okafor"))
    interview(monkeypatch, [
        "-", "", "", "", "", "", "",  # no registrar, no staff phone, the profile as it is
        radicale.url, radicale.user,  # the calendar server; the wrong password, then:
        "y", "", "",  # try again, same server and user
        patel, okafor, "-",  # Dr. Patel's, Dr. Okafor's, none for everyone else
        "y",  # write
    ], ["wrong", radicale.password])
    assert main(setup(box)) == 0
    out = capsys.readouterr().out
    assert f"Finding the calendars at {radicale.url}... PROBLEM: the calendar server refused the user name" in out
    assert [f"{patel}.", "Dr.", "Patel", box.calendars["Dr. Patel"]] in [line.split() for line in out.splitlines()]
    assert "Checking the chosen calendars... ok" in out
    config = load_config(box.config).calendar
    assert config.calendars == box.calendars and config.shared == "" and config.password == radicale.password
    assert "password" not in tomllib.loads(box.config.read_text())["calendar"]


def test_setup_interview_without_a_calendar_writes_none(box, monkeypatch, capsys):
    write_config(box.config, box.config.parent.parent / "data")
    interview(monkeypatch, ["-", "", "", "", "", "", "", "", "y"], [])
    assert main(setup(box)) == 0
    assert "calendar" not in tomllib.loads(box.config.read_text())
    assert not (box.config.parent / "secrets.toml").exists()
    assert not load_config(box.config).calendar.enabled
