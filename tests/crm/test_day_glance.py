"""The day at a glance on a real store of the demo clinic: the day's appointments with the calls
that booked, moved, cancelled or reminded them, the open messages oldest first, and the day's
hand-overs with a tally of their reasons, all by the clinic's local day (clock changes too)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from appliance.config import Config, RemindersConfig
from appliance.crm.day_glance import DayGlanceReader, clinic_today, tally
from appliance.crm.messages import Messages
from appliance.crm.reminders import Reminders
from appliance.crm.timeutil import day_bounds
from appliance.lab.demo import DEMO_PATIENT, demo_config
from tests.crm.day_data import MARIA_NUMBER, MONDAY, TZ, Demo, local


@pytest.fixture()
def demo(tmp_path):
    config = demo_config(Config(), tmp_path / "data")
    demo = Demo.open(config.paths.data / "appliance.db")
    yield demo
    demo.close()


def reader(demo: Demo) -> DayGlanceReader:
    return DayGlanceReader(demo.db, demo.contacts, TZ)


def test_appointments_of_the_day_with_the_calls_that_made_or_changed_them(demo):
    friday, tuesday = MONDAY - timedelta(days=3), MONDAY + timedelta(days=1)
    booking = demo.call(local(friday, 14), MARIA_NUMBER, "LOPEZ M", "booked")
    checkup = demo.book(demo.maria, "Dr. Patel", "check-up", local(MONDAY, 9), local(friday, 14, 2), booking)
    reminders = Reminders(demo.db, TZ, RemindersConfig(offsets_hours=[48]))
    saturday = local(friday + timedelta(days=1), 9, 30)
    reminders.plan(saturday)
    reminder_call = demo.call(saturday, MARIA_NUMBER, DEMO_PATIENT[0], "confirmed", direction="outbound")
    [due] = reminders.due(saturday)
    reminders.claim(due.id, saturday)
    reminders.finish(due.id, "confirmed", reminder_call, saturday)

    jo = demo.contacts.add("Jo Smith", ["+15559876543"], "1975-02-01")
    first = demo.call(local(MONDAY, 8, 5), "+15559876543", "J SMITH", "booked")
    cleaning = demo.book(jo.id, "Dr. Patel", "cleaning", local(MONDAY, 10), local(MONDAY, 8, 6), first)
    move = demo.call(local(MONDAY, 8, 40), "+1 555 987 6543", "", "rescheduled")
    with time_machine.travel(local(MONDAY, 8, 41), tick=False):
        demo.by_phone(move).reschedule(cleaning, demo.slot("Dr. Patel", "cleaning", local(MONDAY, 11)))

    ana = demo.contacts.add("Ana Silva", ["+15552010001"], "1990-07-07")
    demo.book(ana.id, "Dr. Okafor", "check-up", local(MONDAY, 13), local(friday, 9))
    filling = demo.book(demo.maria, "Dr. Okafor", "filling", local(MONDAY, 15), local(friday, 9, 5))
    cancel = demo.call(local(MONDAY, 9, 30), MARIA_NUMBER, "", "cancelled")
    with time_machine.travel(local(MONDAY, 9, 31), tick=False):
        demo.by_phone(cancel).cancel(filling)

    demo.book(ana.id, "Dr. Patel", "check-up", local(tuesday, 9), local(friday, 9, 10))  # another day
    moved_away = demo.book(jo.id, "Dr. Okafor", "check-up", local(MONDAY, 16), local(friday, 9, 15))
    away = demo.call(local(MONDAY, 8), "+15559876543", "", "rescheduled")
    demo.by_phone(away).reschedule(moved_away, demo.slot("Dr. Okafor", "check-up", local(tuesday, 16)))

    shown = reader(demo).appointments(MONDAY)
    assert [(a.starts_at.astimezone(TZ).strftime("%H:%M"), a.patient, a.service, a.dentist, a.status)
            for a in shown] == [("09:00", "Maria Lopez", "check-up", "Dr. Patel", "booked"),
                                ("11:00", "Jo Smith", "cleaning", "Dr. Patel", "booked"),
                                ("13:00", "Ana Silva", "check-up", "Dr. Okafor", "booked"),
                                ("15:00", "Maria Lopez", "filling", "Dr. Okafor", "cancelled")]
    assert shown[0].id == checkup.id and shown[0].reminder_result == "confirmed"
    assert [(c.call.id, c.actions, c.call.outcome) for c in shown[0].calls] == [
        (booking, ("booked",), "booked"), (reminder_call, ("reminded",), "confirmed")]
    assert [c.call.caller for c in shown[0].calls] == ["Maria Lopez (+15551234567)",
                                                      "Maria Lopez (+15551234567), outgoing"]
    assert shown[0].calls[0].call.started_at == local(friday, 14).astimezone(UTC)
    assert [(c.call.id, c.actions) for c in shown[1].calls] == [(first, ("booked",)), (move, ("moved",))]
    assert shown[1].calls[1].call.caller == "Jo Smith (+1 555 987 6543)", "matched whatever the number's spelling"
    assert shown[2].calls == ()
    assert [(c.call.id, c.actions) for c in shown[3].calls] == [(cancel, ("cancelled",))]


def test_a_call_that_did_several_things_is_listed_once(demo):
    call = demo.call(local(MONDAY, 8), MARIA_NUMBER)
    booked = demo.book(demo.maria, "Dr. Patel", "check-up", local(MONDAY, 9), local(MONDAY, 8, 1), call)
    with time_machine.travel(local(MONDAY, 8, 2), tick=False):
        demo.by_phone(call).reschedule(booked, demo.slot("Dr. Patel", "check-up", local(MONDAY, 10)))
    [appointment] = reader(demo).appointments(MONDAY)
    assert [(c.call.id, c.actions) for c in appointment.calls] == [(call, ("booked", "moved"))]


def test_cancel_and_move_keep_the_call_in_the_audit_entry(demo):
    call = demo.call(local(MONDAY, 8), MARIA_NUMBER)
    appointment = demo.book(demo.maria, "Dr. Patel", "check-up", local(MONDAY, 9), local(MONDAY, 8, 1))
    moved = demo.appointments.reschedule(appointment.id, local(MONDAY, 10), call_id=call)
    demo.appointments.reschedule(appointment.id, local(MONDAY, 11))  # by the front desk: no call
    demo.appointments.cancel(appointment.id, moved.version + 1, "patient is ill", call_id=call)
    rows = demo.db.execute("SELECT action, detail_json FROM audit_log WHERE entity = 'appointment' "
                           "AND action IN ('reschedule', 'cancel') ORDER BY id").fetchall()
    assert rows == [("reschedule", '{"call_id": %d, "from": "2030-06-10T13:00:00Z", "to": "2030-06-10T14:00:00Z"}'
                     % call),
                    ("reschedule", '{"from": "2030-06-10T14:00:00Z", "to": "2030-06-10T15:00:00Z"}'),
                    ("cancel", '{"call_id": %d, "reason": "patient is ill"}' % call)]


def test_open_messages_of_any_day_oldest_first_urgent_flagged(demo):
    messages = Messages(demo.db)
    week_ago = messages.add("Please call me about my bill", MARIA_NUMBER, "Maria Lopez", demo.maria, True,
                            created_at="2030-06-03T14:00:00Z")
    urgent = messages.add("URGENT: possible emergency. Caller said: my face is swollen", "+15550001111", "", None,
                          False, created_at="2030-06-10T13:30:00Z")
    done = messages.add("Running late", MARIA_NUMBER, "Maria Lopez", demo.maria, False,
                        created_at="2030-06-01T12:00:00Z")
    messages.set_done(done, True)
    later = messages.add("Call back about the x-ray", "+15550002222", "Sam", None, True,
                         created_at="2030-06-10T15:00:00Z")
    found = reader(demo).open_messages()
    assert [m.id for m in found] == [week_ago, urgent, later]
    assert [m.urgent for m in found] == [False, True, False]
    assert [m.kind for m in found] == ["callback", "message", "callback"]


def test_hand_overs_of_the_day_with_their_calls_and_a_tally_of_reasons(demo):
    asked, unclear = "the caller asked for a person", "the agent did not understand the caller twice"
    for at, number, reason, direction in [
        (local(MONDAY, 9, 10), MARIA_NUMBER, asked, "inbound"),
        (local(MONDAY, 10, 20), "+15550001111", unclear, "inbound"),
        (local(MONDAY, 12), "+15550002222", asked, "inbound"),
        (local(MONDAY, 12, 30), "", asked, "test"),  # the front desk trying the agent: not the clinic's call
        (local(MONDAY, 0) - timedelta(minutes=1), MARIA_NUMBER, unclear, "inbound"),  # the day before
    ]:
        demo.hand_over(at, number, reason, direction)
    with time_machine.travel(local(MONDAY, 17), tick=False):
        demo.by_phone(None).record_handover("the caller is upset", "Handover: upset.", "on-call", "transfer")

    glance = reader(demo).read(MONDAY)
    assert [(h.at.astimezone(TZ).strftime("%H:%M"), h.reason, h.call.caller if h.call else None,
             h.call.outcome if h.call else None) for h in glance.handovers] == [
        ("09:10", asked, "Maria Lopez (+15551234567)", "transferred"),
        ("10:20", unclear, "+15550001111", "transferred"),
        ("12:00", asked, "+15550002222", "transferred"),
        ("17:00", "the caller is upset", None, None)]
    assert glance.handovers[0].summary == f"Handover: {asked}."
    assert (glance.handovers[3].target, glance.handovers[3].mode) == ("on-call", "transfer")
    assert glance.reasons == ((asked, 2), (unclear, 1), ("the caller is upset", 1)), "most first, then A to Z"
    assert glance.day == MONDAY


@pytest.mark.parametrize("day", [date(2030, 3, 10), date(2030, 11, 3)], ids=["spring-forward", "fall-back"])
def test_the_day_is_the_clinics_local_day_across_a_clock_change(demo, day):
    start, end = day_bounds(day, TZ)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23 if day.month == 3 else 25)
    inside = [local(day, 0, 30), local(day, 23, 30)]
    outside = [local(day, 0) - timedelta(minutes=30), local(day + timedelta(days=1), 0, 30)]
    for number, at in enumerate(inside + outside):
        with time_machine.travel(at, tick=False):
            demo.by_phone(None).record_handover(f"reason {number}", "", "on-call", "transfer")
        demo.appointments.book(demo.maria, demo.provider["Dr. Patel"], demo.service["check-up"], at, "import")
    glance = reader(demo).read(day)
    assert [h.reason for h in glance.handovers] == ["reason 0", "reason 1"]
    assert [a.starts_at for a in glance.appointments] == [at.astimezone(UTC) for at in inside]


def test_today_is_the_clinics_date_not_the_machines(demo):
    late_evening = datetime(2030, 6, 10, 23, 30, tzinfo=TZ)  # already Tuesday in UTC
    assert clinic_today(TZ, late_evening.astimezone(UTC)) == MONDAY
    with time_machine.travel(late_evening, tick=False):
        demo.by_phone(None).record_handover("the caller pressed 0", "", "on-call", "transfer")
        assert reader(demo).read().day == MONDAY
        assert [h.reason for h in reader(demo).read().handovers] == ["the caller pressed 0"]


def test_an_empty_day(demo):
    glance = reader(demo).read(MONDAY)
    assert (glance.appointments, glance.open_messages, glance.handovers, glance.reasons) == ((), (), (), ())
    assert glance == reader(demo).read(MONDAY), "equal reads compare equal (the window skips a redraw)"
    assert tally([]) == ()
