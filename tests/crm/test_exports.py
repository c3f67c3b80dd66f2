"""Exports read back by a real iCalendar parser and the csv module; contact import report."""

import csv
import io
from datetime import datetime

import icalendar

from appliance.crm.event_uids import uid_of
from appliance.crm.exports import appointments_csv, calls_csv, ics_feed, import_contacts_csv
from appliance.crm.calls import CallLog
from tests.crm.conftest import TZ

MONDAY = datetime(2026, 12, 7, tzinfo=TZ)


def booked(clinic):
    maria = clinic.contacts.add("María López, Jr.", phones=["5551234567"], date_of_birth="1980-05-03")
    a = clinic.appointments.book(maria.id, clinic.patel, clinic.cleaning, MONDAY.replace(hour=9), "phone_agent")
    b = clinic.appointments.book(maria.id, clinic.okafor, clinic.checkup, MONDAY.replace(hour=14), "front_desk")
    clinic.appointments.cancel(b.id, reason="caller asked")
    return a, b


def test_ics_feed_is_valid_rfc5545(clinic):
    a, b = booked(clinic)
    text = ics_feed(clinic.db, "Riverside Dental; Main St")
    calendar = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {uid_of(clinic.db, a.id), uid_of(clinic.db, b.id)}
    first = events[uid_of(clinic.db, a.id)]
    assert first.decoded("DTSTART") == a.starts_at and first.decoded("DTEND") == a.ends_at
    assert str(first["SUMMARY"]) == "cleaning: María López, Jr."
    assert str(events[uid_of(clinic.db, b.id)]["STATUS"]) == "CANCELLED"
    assert str(calendar["X-WR-CALNAME"]) in ("Riverside Dental; Main St", "Riverside Dental\\; Main St")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines are folded"
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")


def test_one_feed_per_provider(clinic):
    a, _ = booked(clinic)
    feed = icalendar.Calendar.from_ical(ics_feed(clinic.db, "Riverside", provider_id=clinic.patel))
    assert [str(e["UID"]) for e in feed.walk("VEVENT")] == [uid_of(clinic.db, a.id)]
    long_name = ics_feed(clinic.db, "R" * 200)
    assert icalendar.Calendar.from_ical(long_name)["X-WR-CALNAME"] == "R" * 200


def test_csv_exports(clinic):
    booked(clinic)
    rows = list(csv.DictReader(io.StringIO(appointments_csv(clinic.db))))
    assert [r["status"] for r in rows] == ["booked", "cancelled"]
    assert rows[0]["contact"] == "María López, Jr." and rows[0]["provider"] == "Dr. Patel"
    log = CallLog(clinic.db)
    call = log.start("+15551234567", "Maria")
    log.add_turn(call, "caller", "hello")
    log.end(call, "completed")
    calls = list(csv.DictReader(io.StringIO(calls_csv(clinic.db))))
    assert calls[0]["outcome"] == "completed" and calls[0]["turns"] == "1"


def test_contact_import_reports_rejected_rows(clinic):
    text = ("name,phone,date_of_birth,email,notes\n"
            "Ann Lee,555 000 1111;555 000 2222,1970-01-31,ann@example.org,\n"
            ",5550003333,,,\n"
            "Bob Bad Phone,call me,,,\n"
            "Carl Future,5550004444,2999-01-01,,\n"
            "Dana Ok,+44 20 7946 0958,,,VIP\n")
    report = import_contacts_csv(clinic.contacts, text)
    assert report.imported == 2
    assert [line for line, _ in report.rejected] == [3, 4, 5]
    assert "needs a name" in report.rejected[0][1] and "not a phone number" in report.rejected[1][1]
    assert clinic.contacts.by_phone("5550002222")[0].name == "Ann Lee"
    assert import_contacts_csv(clinic.contacts, "who,phone\nx,1\n").rejected == [(1, "the header needs a 'name' column")]
