"""Two-way sync against a real CalDAV server: bookings appear there, staff events block here,
changes on both sides at once follow the written rule, and an outage loses nothing."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import caldav
import icalendar
import pytest

from appliance.bench.calendar import calendar_text
from appliance.bench.calendar import staff_event as event_text
from appliance.calsync.worker import sync_status
from appliance.crm.appointments import SlotTakenError
from appliance.crm.availability import free_slots
from appliance.crm.event_uids import uid_of
from appliance.crm.messages import Messages
from tests.calsync.conftest import TZ, make_sync, patels_own_server


def monday(hour: int, minute: int = 0, weeks: int = 1) -> datetime:
    """A Monday `weeks` ahead at a local time (always in the future, inside opening hours)."""
    today = datetime.now(TZ).date()
    day = today + timedelta(days=7 * weeks - today.weekday())
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def events(server, url: str) -> dict[str, icalendar.Event]:
    """UID -> VEVENT of every event in the calendar, read by staff's own client."""
    found = caldav.Calendar(client=server.client(), url=url).events()
    return {str(e.icalendar_component["UID"]): e.icalendar_component for e in found}


def staff_event(server, url: str, start: datetime, minutes: int, summary: str, uid: str,
                modified: datetime | None = None, extra: str = "") -> caldav.Event:
    """An event staff add on their phone."""
    text = calendar_text(event_text(uid, start, minutes, summary, modified, extra))
    return caldav.Calendar(client=server.client(), url=url).save_event(text)


def move(component: icalendar.Event, start: datetime, end: datetime) -> None:
    """Staff drag an event to a new time."""
    for key, value in (("DTSTART", start), ("DTEND", end)):
        del component[key]
        component.add(key, value)


def patient(clinic, name: str = "Jane van Dyke") -> int:
    return clinic.contacts.add(name, ["+12025550143"], "1980-01-01").id


def test_a_booking_appears_moves_and_goes_in_the_dentists_calendar(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    sync.run_once()
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    report = sync.run_once()
    assert report.written == 1 and not report.error
    uid = uid_of(clinic.db, booked.id)
    event = events(server, calendars.calendars["Dr. Patel"])[uid]
    assert str(event["SUMMARY"]) == "cleaning - J. V. D."  # minimum necessary: initials
    assert "Jane" not in event.to_ical().decode()
    assert event["DTSTART"].dt == monday(10) and event["DTEND"].dt == monday(10, 45)
    assert events(server, calendars.calendars["Dr. Okafor"]) == {}
    clinic.appointments.reschedule(booked.id, monday(14))
    sync.run_once()
    assert events(server, calendars.calendars["Dr. Patel"])[uid]["DTSTART"].dt == monday(14)
    clinic.appointments.cancel(booked.id, reason="patient is away")
    sync.run_once()
    assert events(server, calendars.calendars["Dr. Patel"]) == {}
    assert sync_status(clinic.db, calendars).state == "ok"


def test_patient_detail_is_as_configured(clinic, calendars, server):
    sync = make_sync(clinic, calendars, patient_detail="none")
    clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    sync.run_once()
    (event,) = events(server, calendars.calendars["Dr. Patel"]).values()
    assert str(event["SUMMARY"]) == "cleaning"


def test_a_block_added_in_the_calendar_stops_that_time_being_offered_or_booked(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    sync.run_once()
    staff_event(server, calendars.calendars["Dr. Patel"], monday(9), 60, "Implant course", "course-1")
    sync.run_once()
    offered = {s.starts_at for s in free_slots(clinic.db, TZ, clinic.checkup, monday(8), monday(12),
                                               provider_id=clinic.patel)}
    assert monday(8, 30) in offered and monday(10) in offered
    assert not {monday(9), monday(9, 15), monday(9, 30), monday(9, 45), monday(8, 45)} & offered
    assert monday(9) in {s.starts_at for s in free_slots(clinic.db, TZ, clinic.checkup, monday(8), monday(12),
                                                         provider_id=clinic.okafor)}  # his own calendar is free
    with pytest.raises(SlotTakenError):
        clinic.appointments.book(patient(clinic), clinic.patel, clinic.checkup, monday(9, 30), "phone_agent")
    caldav.Calendar(client=server.client(), url=calendars.calendars["Dr. Patel"]).event_by_uid("course-1").delete()
    sync.run_once()
    clinic.appointments.book(patient(clinic), clinic.patel, clinic.checkup, monday(9, 30), "phone_agent")


def test_repeating_free_cancelled_and_all_day_events(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    url = calendars.calendars["Dr. Okafor"]
    staff_event(server, url, monday(12, 0), 60, "Lunch", "lunch", extra="RRULE:FREQ=DAILY;COUNT=30\r\n")
    staff_event(server, url, monday(15, 0), 60, "Maybe", "maybe", extra="TRANSP:TRANSPARENT\r\n")
    staff_event(server, url, monday(16, 0), 60, "Called off", "off", extra="STATUS:CANCELLED\r\n")
    day = monday(0, weeks=2).date() + timedelta(days=1)
    caldav.Calendar(client=server.client(), url=url).save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:leave\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\nSUMMARY:Leave\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    sync.run_once()
    slots = {s.starts_at for s in free_slots(clinic.db, TZ, clinic.checkup, monday(8), monday(8, weeks=3),
                                             provider_id=clinic.okafor)}
    assert monday(12, 0) not in slots and monday(12, 0) + timedelta(days=3) not in slots
    assert monday(15, 0) in slots and monday(16, 0) in slots
    leave_day = {s for s in slots if s.date() == day}
    assert not leave_day and any(s.date() == day + timedelta(days=1) for s in slots)


def test_staff_moving_or_deleting_the_boxs_event_moves_or_cancels_the_appointment(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    sync.run_once()
    uid = uid_of(clinic.db, booked.id)
    event = caldav.Calendar(client=server.client(), url=calendars.calendars["Dr. Patel"]).event_by_uid(uid)
    component = event.icalendar_component
    move(component, monday(7, 0), monday(7, 45))  # before opening: staff may
    event.save()
    sync.run_once()
    moved = clinic.appointments.get(booked.id)
    assert (moved.starts_at, moved.status) == (monday(7, 0), "booked")
    assert sync.ledger.pending() == 0  # applied here without writing it back
    event = caldav.Calendar(client=server.client(), url=calendars.calendars["Dr. Patel"]).event_by_uid(uid)
    event.delete()
    sync.run_once()
    assert clinic.appointments.get(booked.id).status == "cancelled"
    (message,) = Messages(clinic.db).list()
    assert "deleted from Dr. Patel's calendar" in message.text and "Jane van Dyke" in message.text


def _both_change(clinic, calendars, server, calendar_first: bool):
    """The agent moves an appointment while staff move its event: whose change was committed first?"""
    sync = make_sync(clinic, calendars)
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    sync.run_once()
    uid = uid_of(clinic.db, booked.id)

    def staff_move() -> None:
        event = caldav.Calendar(client=server.client(), url=calendars.calendars["Dr. Patel"]).event_by_uid(uid)
        component = event.icalendar_component
        move(component, monday(15), monday(15, 45))
        component.pop("LAST-MODIFIED", None)
        component.add("last-modified", datetime.now(UTC).replace(microsecond=0))
        event.save()
    first, second = (staff_move, None), (None, staff_move)
    time.sleep(1.1)
    for staff in (first if calendar_first else second):
        if staff:
            staff()
        else:
            clinic.appointments.reschedule(booked.id, monday(11), actor="phone_agent")  # not synced yet
        time.sleep(1.1)  # the store's and the calendar's clocks count whole seconds
    report = sync.run_once()
    assert report.conflicts == 1
    final = clinic.appointments.get(booked.id)
    sync.run_once()
    there = events(server, calendars.calendars["Dr. Patel"])[uid]
    assert there["DTSTART"].dt == final.starts_at  # one truth, never two
    (message,) = Messages(clinic.db).list()
    return final, message


def test_both_sides_change_at_once_the_earlier_change_wins_calendar_first(clinic, calendars, server):
    final, message = _both_change(clinic, calendars, server, calendar_first=True)
    assert final.starts_at == monday(15)
    assert "undone" in message.text


def test_both_sides_change_at_once_the_earlier_change_wins_store_first(clinic, calendars, server):
    final, message = _both_change(clinic, calendars, server, calendar_first=False)
    assert final.starts_at == monday(11)
    assert "not applied" in message.text


def test_a_block_over_a_booking_the_earlier_one_stands(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    sync.run_once()
    time.sleep(1.1)  # the bookings and the surgery come after that read (the clocks count whole seconds)
    early = clinic.appointments.book(patient(clinic), clinic.patel, clinic.checkup, monday(10), "phone_agent")
    late = clinic.appointments.book(patient(clinic, "Tom Baker"), clinic.patel, clinic.checkup, monday(14),
                                    "phone_agent")
    url = calendars.calendars["Dr. Patel"]
    staff_event(server, url, monday(10), 30, "Meeting", "m1", modified=datetime.now(TZ) + timedelta(minutes=5))
    staff_event(server, url, monday(14), 30, "Surgery", "m2", modified=datetime.now(TZ) - timedelta(minutes=5))
    report = sync.run_once()
    assert report.conflicts == 2
    assert clinic.appointments.get(early.id).status == "booked"  # booked before the meeting was entered
    assert clinic.appointments.get(late.id).status == "cancelled"  # the surgery was entered first
    texts = sorted(m.text for m in Messages(clinic.db).list())
    assert "Tom Baker" in texts[1] and "call the patient" in texts[1]
    assert "appointment stands" in texts[0]
    sync.run_once()
    assert set(events(server, url)) == {"m1", "m2", uid_of(clinic.db, early.id)}


def test_first_sync_imports_future_events_and_writes_existing_bookings(clinic, calendars, server):
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    url = calendars.calendars["Dr. Patel"]
    staff_event(server, url, monday(10, 30), 60, "Old meeting", "old", modified=datetime(2020, 1, 1, tzinfo=TZ))
    sync = make_sync(clinic, calendars)
    report = sync.run_once()
    assert clinic.appointments.get(booked.id).status == "booked"  # the first sync never cancels
    assert report.conflicts == 1 and "appointment stands" in Messages(clinic.db).list()[0].text
    assert uid_of(clinic.db, booked.id) in events(server, url)
    assert sync.run_once().read == 0  # the sync token: nothing new


def test_wrong_password_is_said_plainly_and_nothing_is_lost(clinic, calendars, server):
    if server.kind != "radicale":
        pytest.skip("only Radicale has accounts here")
    sync = make_sync(clinic, calendars, password="wrong")
    clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    report = sync.run_once()
    assert report.error == "the calendar server refused the user name or password"
    status = sync_status(clinic.db, calendars)
    assert status.state == "failing" and status.pending == 1
    assert "refused the user name or password" in status.words()
    make_sync(clinic, calendars).run_once()
    assert sync_status(clinic.db, calendars).state == "ok"
    assert len(events(server, calendars.calendars["Dr. Patel"])) == 1


def test_server_down_mid_sync_bookings_go_on_and_replay_in_order(clinic, tmp_path):
    with patels_own_server(tmp_path, timeout_s=2) as (server, url, config):
        sync = make_sync(clinic, config)
        first = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
        sync.run_once()
        server.stop()
        second = clinic.appointments.book(patient(clinic, "Tom Baker"), clinic.patel, clinic.checkup, monday(14),
                                          "phone_agent")
        clinic.appointments.reschedule(first.id, monday(11))
        clinic.appointments.cancel(second.id)
        third = clinic.appointments.book(patient(clinic, "Ann Lee"), clinic.patel, clinic.checkup, monday(15),
                                         "front_desk")
        report = sync.run_once()
        assert "cannot be reached" in report.error
        assert sync_status(clinic.db, config).pending == 3
        server.start()
        assert not sync.run_once().error
        there = events(server, url)
        assert set(there) == {uid_of(clinic.db, first.id), uid_of(clinic.db, third.id)}
        assert there[uid_of(clinic.db, first.id)]["DTSTART"].dt == monday(11)
        assert sync_status(clinic.db, config).pending == 0


def test_connection_check_says_what_is_wrong(calendars, server):
    if server.kind != "radicale":
        pytest.skip("only Radicale has accounts here")
    from dataclasses import replace

    from appliance.calsync.connection import connection_problems, discover
    assert connection_problems(calendars) == []
    assert {"Dr. Patel", "Dr. Okafor"} <= {c.name for c in discover(calendars)}
    assert connection_problems(replace(calendars, password="nope")) == [
        "the calendar server refused the user name or password"]
    missing = replace(calendars, calendars={"Dr. Patel": server.url + "clinic/nothing-here/"})
    (problem,) = connection_problems(missing)
    assert problem.startswith("Dr. Patel's calendar: ") and "nothing-here" in problem
    (problem,) = connection_problems(replace(calendars, url="http://127.0.0.1:9/", timeout_s=2))
    assert problem == "the calendar server at 127.0.0.1:9 cannot be reached"


def test_an_appointment_deleted_from_the_store_takes_its_event_with_it(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    sync.run_once()
    clinic.db.execute("DELETE FROM appointments WHERE id = ?", [booked.id])
    sync.run_once()
    assert events(server, calendars.calendars["Dr. Patel"]) == {}
    assert sync.ledger.pending() == 0


def test_an_event_the_server_refuses_for_good_is_left_to_the_front_desk_and_the_rest_go_on(clinic, tmp_path):
    with patels_own_server(tmp_path, max_request_bytes=3000, patient_detail="name") as (server, url, config):
        sync = make_sync(clinic, config)
        huge = clinic.appointments.book(patient(clinic, "Ann " + "Lee-" * 900), clinic.patel, clinic.checkup,
                                        monday(9), "phone_agent")
        fine = clinic.appointments.book(patient(clinic, "Tom Baker"), clinic.patel, clinic.checkup, monday(11),
                                        "phone_agent")
        report = sync.run_once()
        assert not report.error and report.conflicts == 1 and sync.ledger.pending() == 0
        assert set(events(server, url)) == {uid_of(clinic.db, fine.id)}
        (message,) = Messages(clinic.db).list()
        assert "could not be brought up to date" in message.text and "HTTP 413" in message.text
        assert huge.id  # kept in the store all the same


def test_staff_make_the_boxs_event_impossible_or_take_a_taken_time_and_it_is_put_back(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    other = clinic.appointments.book(patient(clinic, "Tom Baker"), clinic.patel, clinic.checkup, monday(14),
                                     "phone_agent")
    sync.run_once()
    url = calendars.calendars["Dr. Patel"]
    for start, end in ((monday(8), monday(8) + timedelta(hours=10)), (monday(14), monday(14, 45))):
        event = caldav.Calendar(client=server.client(), url=url).event_by_uid(uid_of(clinic.db, booked.id))
        move(event.icalendar_component, start, end)
        event.save()
        assert sync.run_once().conflicts == 1
        sync.run_once()
        assert clinic.appointments.get(booked.id).starts_at == monday(10)  # never over Tom's, never 10 hours
        assert events(server, url)[uid_of(clinic.db, booked.id)]["DTSTART"].dt == monday(10)
    assert clinic.appointments.get(other.id).status == "booked"
    assert len(Messages(clinic.db).list()) == 2


def test_an_event_dragged_to_another_dentists_calendar_moves_the_appointment_to_them(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.checkup, monday(10), "phone_agent")
    sync.run_once()
    uid = uid_of(clinic.db, booked.id)
    source = caldav.Calendar(client=server.client(), url=calendars.calendars["Dr. Patel"])
    text = source.event_by_uid(uid).data
    caldav.Calendar(client=server.client(), url=calendars.calendars["Dr. Okafor"]).save_event(text)
    source.event_by_uid(uid).delete()
    sync.run_once()
    moved = clinic.appointments.get(booked.id)
    assert (moved.status, moved.provider_id, moved.starts_at) == ("booked", clinic.okafor, monday(10))
    assert Messages(clinic.db).list() == []


def test_an_event_of_this_box_the_store_does_not_know_stays_busy_and_is_told(clinic, calendars, server):
    sync = make_sync(clinic, calendars)
    sync.run_once()
    booked = clinic.appointments.book(patient(clinic), clinic.patel, clinic.checkup, monday(10), "phone_agent")
    sync.run_once()
    uid = uid_of(clinic.db, booked.id)
    clinic.db.execute("DELETE FROM calendar_queue")  # as if restored from a backup older than the booking
    clinic.db.execute("DELETE FROM calendar_events")
    clinic.db.execute("DELETE FROM appointments")
    clinic.db.execute("UPDATE calendar_sync SET sync_token = ''")
    time.sleep(1.1)  # booked again later, as after any restore
    again = clinic.appointments.book(patient(clinic, "Tom Baker"), clinic.patel, clinic.checkup, monday(14),
                                     "phone_agent")
    assert again.id == booked.id  # the number is taken again, the UID is not
    sync.run_once()
    assert uid in events(server, calendars.calendars["Dr. Patel"])  # never deleted
    assert clinic.appointments.get(again.id).starts_at == monday(14)
    with pytest.raises(SlotTakenError):
        clinic.appointments.book(patient(clinic), clinic.patel, clinic.checkup, monday(10), "phone_agent")
    (message,) = Messages(clinic.db).list()
    assert "not in the store" in message.text


def test_the_server_stopped_in_the_middle_of_a_pass_loses_and_doubles_nothing(clinic, tmp_path):
    import threading

    with patels_own_server(tmp_path, timeout_s=2) as (server, url, config):
        sync = make_sync(clinic, config)
        sync.run_once()
        someone = patient(clinic)
        booked = [clinic.appointments.book(someone, clinic.patel, clinic.checkup,
                                           monday(hour, weeks=w) + timedelta(minutes=30 * i), "phone_agent")
                  for w in (1, 2, 3) for hour, slots in ((8, 8), (13, 10)) for i in range(slots)]
        stopper = threading.Thread(target=lambda: (time.sleep(0.15), server.stop()))
        stopper.start()
        first = sync.run_once()
        stopper.join()
        assert first.error and 0 < sync.ledger.pending() < len(booked), "the pass was cut in the middle"
        server.start()
        assert not sync.run_once().error and sync.ledger.pending() == 0
        there = events(server, url)
        assert set(there) == {uid_of(clinic.db, a.id) for a in booked}


def test_times_across_the_spring_clock_change_stay_at_their_local_hour(clinic, calendars, server):
    sync = make_sync(clinic, calendars, horizon_days=400)
    url = calendars.calendars["Dr. Okafor"]
    before, after = datetime(2027, 3, 8, 10, tzinfo=TZ), datetime(2027, 3, 15, 10, tzinfo=TZ)  # EST, then EDT
    caldav.Calendar(client=server.client(), url=url).save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:weekly-meeting\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=America/New_York:20270308T100000\r\nDTEND;TZID=America/New_York:20270308T110000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Team meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    sync.run_once()
    blocks = clinic.db.execute("SELECT starts_at FROM calendar_blocks ORDER BY starts_at").fetchall()
    assert [b[0] for b in blocks] == ["2027-03-08T15:00:00Z", "2027-03-15T14:00:00Z", "2027-03-22T14:00:00Z"]
    for monday_ten in (before, after):
        with pytest.raises(SlotTakenError):
            clinic.appointments.book(patient(clinic), clinic.okafor, clinic.checkup, monday_ten, "front_desk")
    booked = clinic.appointments.book(patient(clinic), clinic.okafor, clinic.checkup, after.replace(hour=9),
                                      "front_desk")
    sync.run_once()
    assert events(server, url)[uid_of(clinic.db, booked.id)]["DTSTART"].dt == datetime(2027, 3, 15, 13, tzinfo=UTC)


def test_one_calendar_gone_does_not_hold_up_the_others(clinic, calendars, server):
    gone = server.url + "nobody/no-such-calendar/"
    sync = make_sync(clinic, calendars, calendars={"Dr. Patel": calendars.calendars["Dr. Patel"], "Dr. Okafor": gone})
    patels = clinic.appointments.book(patient(clinic), clinic.patel, clinic.cleaning, monday(10), "phone_agent")
    okafors = clinic.appointments.book(patient(clinic, "Tom Baker"), clinic.okafor, clinic.checkup, monday(10),
                                       "phone_agent")
    report = sync.run_once()
    assert report.error and uid_of(clinic.db, patels.id) in events(server, calendars.calendars["Dr. Patel"])
    assert sync.ledger.pending() == 1 and sync.ledger.queued()[0].appointment_id == okafors.id
    assert sync_status(clinic.db, replace(calendars, calendars=sync.config.calendars)).state == "failing"
