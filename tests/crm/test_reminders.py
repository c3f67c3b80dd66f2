"""Reminder calls in the store: planned once per appointment time and offset, within calling
hours, claimed before dialling, retried while attempts last, never dialled twice after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from appliance.config import RemindersConfig, SipConfig
from appliance.errors import ConfigError
from appliance.outbound.dialing import DialError, dial_uri, line_free
from appliance.crm.reminders import Reminders, result_words
from tests.crm.conftest import TZ

MONDAY_10 = datetime(2026, 3, 16, 10, 0, tzinfo=TZ)  # a Monday, clinic time


def booked(clinic, name="Ana Silva", phones=("555-201-0001",), at=MONDAY_10, booked_at=None):
    contact = clinic.contacts.add(name, list(phones), "1980-01-01")
    with time_machine.travel(booked_at or at - timedelta(days=7), tick=False):
        appointment = clinic.appointments.book(contact.id, clinic.patel, clinic.checkup, at, "front_desk")
    return contact, appointment


def reminders(clinic, **changes) -> Reminders:
    return Reminders(clinic.db, TZ, RemindersConfig(**{"offsets_hours": [48, 2], **changes}))


def test_each_offset_gets_one_reminder_once(clinic):
    booked(clinic)
    r = reminders(clinic)
    now = MONDAY_10 - timedelta(days=3)
    assert r.plan(now) == 2
    assert r.plan(now) == 0
    due = sorted(x.due_at for x in r.upcoming(now, MONDAY_10))
    assert due == [MONDAY_10 - timedelta(hours=48), MONDAY_10 - timedelta(hours=2)]


def test_an_offset_already_past_at_booking_gets_none(clinic):
    booked(clinic, booked_at=MONDAY_10 - timedelta(hours=20))
    r = reminders(clinic)
    assert r.plan(MONDAY_10 - timedelta(hours=19)) == 1


def test_due_only_within_calling_hours_and_days(clinic):
    booked(clinic)
    r = reminders(clinic)
    r.plan(MONDAY_10 - timedelta(days=3))
    saturday_10 = MONDAY_10 - timedelta(days=2)
    assert [x.offset_min for x in r.due(saturday_10)] == [2880]
    assert r.due(saturday_10.replace(hour=8)) == []  # before 09:00
    assert r.due(saturday_10 + timedelta(days=1)) == []  # Sunday is not a calling day
    assert r.due(MONDAY_10.replace(hour=8, minute=30)) == []  # the two-hour one is due, but before 09:00


def test_claim_then_final_result_is_kept_on_the_appointment(clinic):
    _, appointment = booked(clinic)
    r = reminders(clinic, calling_hours="07:00-20:00")
    now = MONDAY_10 - timedelta(hours=47)
    r.plan(now)
    first = r.due(now)[0]
    assert first.phone == "+15552010001" and first.service == "check-up" and first.provider == "Dr. Patel"
    claimed = r.claim(first.id, now)
    assert claimed.state == "calling" and claimed.attempts == 1
    assert r.claim(first.id, now) is None  # a second run cannot take it too
    done = r.finish(first.id, "confirmed", None, now)
    assert done.state == "done" and done.result == "confirmed"
    row = clinic.db.execute("SELECT reminder_result FROM appointments WHERE id = ?", [appointment.id]).fetchone()
    assert row[0] == "confirmed"
    later = MONDAY_10 - timedelta(hours=2)
    assert r.due(later) == []  # the two-hour call is skipped: already confirmed
    assert [x.result for x in r.recent(now) if x.offset_min == 120] == ["already_confirmed"]


def test_busy_is_retried_until_the_attempts_are_spent(clinic):
    booked(clinic)
    r = reminders(clinic, max_attempts=2, retry_after_minutes=30)
    now = MONDAY_10 - timedelta(hours=47)
    r.plan(now)
    reminder = r.due(now)[0]
    r.claim(reminder.id, now)
    again = r.finish(reminder.id, "busy", None, now)
    assert again.state == "due" and again.next_attempt_at == now + timedelta(minutes=30)
    assert r.due(now + timedelta(minutes=10)) == []
    later = now + timedelta(minutes=30)
    assert [x.id for x in r.due(later)] == [reminder.id]
    r.claim(reminder.id, later)
    final = r.finish(reminder.id, "no_answer", None, later)
    assert final.state == "done" and final.result == "no_answer" and final.attempts == 2


def test_a_restart_during_a_call_never_dials_it_again(clinic):
    booked(clinic)
    r = reminders(clinic)
    now = MONDAY_10 - timedelta(hours=47)
    r.plan(now)
    r.claim(r.due(now)[0].id, now)
    assert reminders(clinic).recover(now) == 1  # the next service start
    assert r.due(now) == []
    assert [x.result for x in r.recent(now) if x.state == "done"] == ["interrupted"]


def test_reasons_not_to_call_close_the_reminder(clinic):
    opted, _ = booked(clinic, "Ben Opted", ("555-201-0002",))
    clinic.contacts.update(opted.id, reminder_calls=False)
    booked(clinic, "Cleo Nophone", (), at=MONDAY_10 + timedelta(hours=1))
    _, moved = booked(clinic, "Dan Moved", ("555-201-0003",), at=MONDAY_10 - timedelta(hours=1))
    r = reminders(clinic)
    now = MONDAY_10 - timedelta(hours=47)
    r.plan(now)
    clinic.appointments.reschedule(moved.id, MONDAY_10 + timedelta(days=1, hours=3))
    assert r.due(now) == []
    assert {x.patient: x.result for x in r.recent(now) if x.offset_min == 2880} == {
        "Ben Opted": "opted_out", "Cleo Nophone": "no_phone", "Dan Moved": "appointment_changed"}
    assert not clinic.contacts.get(opted.id).reminder_calls
    assert result_words("opted_out") == "not called: opted out"


def test_too_close_to_the_visit_is_not_called(clinic):
    booked(clinic)
    r = reminders(clinic, offsets_hours=[2], calling_hours="06:00-20:00", min_lead_minutes=60)
    r.plan(MONDAY_10 - timedelta(days=1))
    assert r.due(MONDAY_10 - timedelta(minutes=50)) == []
    assert [x.result for x in r.recent(MONDAY_10 - timedelta(days=1))] == ["expired"]
    assert all(x.starts_at.tzinfo is UTC for x in r.recent(MONDAY_10 - timedelta(days=1)))


@pytest.mark.parametrize("changes, words", [
    ({"calling_hours": "19:00-09:00"}, "calling_hours"),
    ({"calling_hours": "9am-5pm"}, "calling_hours"),
    ({"calling_days": ["funday"]}, "calling_days"),
    ({"dial_uri": "tel:{number}"}, "dial_uri"),
    ({"dial_uri": "sip:frontdesk@pbx"}, "dial_uri"),
    ({"offsets_hours": []}, "offsets_hours"),
    ({"reserve_lines": 5}, "reserve_lines"),
])
def test_bad_settings_are_refused_in_plain_words(changes, words):
    with pytest.raises(ConfigError, match=words):
        RemindersConfig(**changes)


def test_dialling_and_the_line_reserve():
    sip = SipConfig(registrar="trunk.example:5060", max_calls=4)
    assert dial_uri("+15552010001", RemindersConfig(), sip) == "sip:15552010001@trunk.example:5060"
    assert dial_uri("+15552010001", RemindersConfig(dial_uri="sip:{number}@gw", dial_plus=True), sip) == \
        "sip:+15552010001@gw"
    with pytest.raises(DialError, match="no way to dial out"):
        dial_uri("+15552010001", RemindersConfig(), SipConfig())
    assert line_free(2, sip, RemindersConfig(reserve_lines=1)) and not line_free(3, sip, RemindersConfig())


def test_a_move_gets_no_reminder_whose_time_had_passed_and_is_not_confirmed(clinic):
    _, appointment = booked(clinic)
    r = reminders(clinic, calling_hours="00:00-23:59")
    now = MONDAY_10 - timedelta(hours=3)
    r.plan(now)
    late = r.claim(r.due(now)[0].id, now)  # the two-day reminder was late: called now
    r.finish(late.id, "confirmed", None, now)
    with time_machine.travel(now, tick=False):
        clinic.appointments.reschedule(appointment.id, MONDAY_10 + timedelta(days=1))  # to Tuesday
    result = clinic.db.execute("SELECT reminder_result FROM appointments WHERE id = ?", [appointment.id]).fetchone()
    assert result[0] == ""  # nobody confirmed Tuesday
    assert r.plan(now) == 1  # Tuesday's two-hour reminder; its two-day one had passed when it moved
    assert [x.offset_min for x in r.upcoming(now, now + timedelta(days=2)) if x.state == "due"] == [120, 120]
    assert r.due(MONDAY_10 - timedelta(hours=2)) == []  # Monday's two-hour one is not called: it moved
    assert {x.offset_min: x.result for x in r.recent(now) if x.starts_at == MONDAY_10} == {
        2880: "confirmed", 120: "appointment_changed"}


def test_an_appointment_moved_back_gets_its_reminders_again(clinic):
    _, appointment = booked(clinic)
    r = reminders(clinic)
    now = MONDAY_10 - timedelta(days=2, hours=12)
    r.plan(now)
    with time_machine.travel(now, tick=False):
        clinic.appointments.reschedule(appointment.id, MONDAY_10 + timedelta(days=1))
    r.plan(now)
    saturday = MONDAY_10 - timedelta(days=2)
    r.due(saturday)  # Monday's closes as changed
    with time_machine.travel(now, tick=False):
        clinic.appointments.reschedule(appointment.id, MONDAY_10)
    r.plan(now)
    assert [x.offset_min for x in r.due(saturday)] == [2880]


def test_only_the_latest_of_several_due_reminders_is_called(clinic):
    booked(clinic)
    r = reminders(clinic, offsets_hours=[48, 24], calling_hours="00:00-23:59",
                  calling_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    r.plan(MONDAY_10 - timedelta(days=3))
    late = MONDAY_10 - timedelta(hours=20)  # the box was off: both are due
    assert [x.offset_min for x in r.due(late)] == [1440]
    assert [x.result for x in r.recent(late) if x.offset_min == 2880] == ["superseded"]


def test_a_claim_checks_again_what_changed_since_the_list_was_made(clinic):
    contact, _ = booked(clinic)
    r = reminders(clinic)
    now = MONDAY_10 - timedelta(hours=47)
    r.plan(now)
    [reminder] = r.due(now)
    clinic.contacts.update(contact.id, reminder_calls=False)  # the front desk, during the run
    assert r.claim(reminder.id, now) is None
    assert [x.result for x in r.recent(now) if x.id == reminder.id] == ["opted_out"]
    clinic.contacts.update(contact.id, reminder_calls=True)
    assert r.claim(reminder.id, now.replace(hour=23)) is None  # calling hours are over
