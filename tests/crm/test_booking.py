import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from appliance.crm.appointments import AppointmentError, SlotTakenError, StaleAppointmentError
from appliance.crm.availability import free_slots
from appliance.crm.db import open_store
from appliance.crm.appointments import Appointments
from tests.crm.conftest import TZ

MONDAY = datetime(2026, 12, 7, tzinfo=TZ)  # a Monday


def at(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm)


def test_free_slots_follow_hours_closures_and_bookings(clinic):
    slots = free_slots(clinic.db, TZ, clinic.cleaning, at(MONDAY, 0), at(MONDAY, 23))
    assert slots[0].starts_at == at(MONDAY, 8) and {s.provider_id for s in slots} == {clinic.patel}
    assert all(not (at(MONDAY, 11, 16) <= s.starts_at < at(MONDAY, 13)) for s in slots), "lunch break"
    assert slots[-1].starts_at == at(MONDAY, 17, 15), "45 minutes must fit before 18:00"
    maria = clinic.contacts.add("Maria", phones=["5551234567"])
    clinic.appointments.book(maria.id, clinic.patel, clinic.cleaning, at(MONDAY, 9), "phone_agent")
    after = free_slots(clinic.db, TZ, clinic.cleaning, at(MONDAY, 0), at(MONDAY, 23))
    assert all(not (at(MONDAY, 8, 30) < s.starts_at < at(MONDAY, 9, 45)) for s in after)
    clinic.schedule.add_closure(date(2026, 12, 7), date(2026, 12, 7), "training")
    assert free_slots(clinic.db, TZ, clinic.cleaning, at(MONDAY, 0), at(MONDAY, 23)) == []
    sunday = free_slots(clinic.db, TZ, clinic.checkup, at(MONDAY, 0) - timedelta(days=1), at(MONDAY, 0))
    assert sunday == []


def test_past_slots_are_not_offered_and_providers_can_be_chosen(clinic):
    slots = free_slots(clinic.db, TZ, clinic.checkup, at(MONDAY, 0), at(MONDAY, 23), now=at(MONDAY, 15, 5),
                       provider_id=clinic.okafor)
    assert slots[0].starts_at == at(MONDAY, 15, 15) and {s.provider_id for s in slots} == {clinic.okafor}


def test_slots_on_the_day_clocks_change(clinic):
    spring = datetime(2027, 3, 13, tzinfo=TZ)  # Saturday: DST starts the next night
    autumn = datetime(2026, 10, 31, tzinfo=TZ)  # Saturday before the clocks go back
    for day in (spring, autumn):
        slots = free_slots(clinic.db, TZ, clinic.checkup, at(day, 0), at(day, 23))
        assert slots[0].starts_at.hour == 9 and slots[-1].ends_at.hour == 13
        assert all((s.ends_at - s.starts_at) == timedelta(minutes=30) for s in slots)
    clinic.schedule.set_hours("sunday", "01:00", "04:00")  # a clinic open across the gap
    gap_day = datetime(2027, 3, 14, tzinfo=TZ)
    slots = free_slots(clinic.db, TZ, clinic.checkup, at(gap_day, 0), at(gap_day, 23))
    utc_lengths = {(s.ends_at.astimezone(UTC) - s.starts_at.astimezone(UTC)).total_seconds() for s in slots}
    assert utc_lengths == {1800.0}
    assert len(slots) == 2 * 7, "01:00-04:00 that day is two real hours: 7 starts for each provider"


def test_booking_is_idempotent_and_refuses_overlaps(clinic):
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    first = clinic.appointments.book(c.id, clinic.patel, clinic.cleaning, at(MONDAY, 9), "phone_agent",
                                     idempotency_key="call-7-turn-3")
    again = clinic.appointments.book(c.id, clinic.patel, clinic.cleaning, at(MONDAY, 9), "phone_agent",
                                     idempotency_key="call-7-turn-3")
    assert again == first
    with pytest.raises(SlotTakenError, match="just taken"):
        clinic.appointments.book(c.id, clinic.patel, clinic.checkup, at(MONDAY, 9, 30), "front_desk")
    other = clinic.appointments.book(c.id, clinic.okafor, clinic.checkup, at(MONDAY, 9, 30), "front_desk")
    assert other.provider_id == clinic.okafor
    assert [r["event_type"] for r in clinic.db.query("SELECT event_type FROM outbox WHERE event_type LIKE 'appointment%'")] \
        == ["appointment.booked", "appointment.booked"]


@pytest.mark.parametrize("when, message", [
    (lambda: at(MONDAY, 7), "outside opening hours"),
    (lambda: at(MONDAY, 11, 45), "outside opening hours"),
    (lambda: at(MONDAY, 9).replace(tzinfo=None), "timezone-aware"),
])
def test_bookings_outside_hours_are_refused(clinic, when, message):
    c = clinic.contacts.add("Maria")
    with pytest.raises(AppointmentError, match=message):
        clinic.appointments.book(c.id, clinic.patel, clinic.cleaning, when(), "phone_agent")


def test_provider_must_offer_the_service(clinic):
    c = clinic.contacts.add("Maria")
    with pytest.raises(AppointmentError, match="does not offer"):
        clinic.appointments.book(c.id, clinic.okafor, clinic.cleaning, at(MONDAY, 9), "phone_agent")


def test_cancel_and_reschedule_with_optimistic_checks(clinic):
    c = clinic.contacts.add("Maria")
    a = clinic.appointments.book(c.id, clinic.patel, clinic.checkup, at(MONDAY, 9), "phone_agent")
    moved = clinic.appointments.reschedule(a.id, at(MONDAY, 10), expected_version=1)
    assert moved.starts_at == at(MONDAY, 10) and moved.version == 2
    with pytest.raises(StaleAppointmentError):
        clinic.appointments.cancel(a.id, expected_version=1)
    b = clinic.appointments.book(c.id, clinic.patel, clinic.checkup, at(MONDAY, 9), "phone_agent")
    assert b.id != a.id, "the old slot was freed by the move"
    with pytest.raises(SlotTakenError):
        clinic.appointments.reschedule(a.id, at(MONDAY, 9, 15))
    cancelled = clinic.appointments.cancel(a.id, expected_version=2, reason="caller asked")
    assert cancelled.status == "cancelled" and clinic.appointments.cancel(a.id).version == 3
    with pytest.raises(AppointmentError, match="is cancelled"):
        clinic.appointments.reschedule(a.id, at(MONDAY, 14))
    assert clinic.appointments.for_contact(c.id) == [b]


def test_direct_sql_cannot_double_book_either(clinic):
    c = clinic.contacts.add("Maria")
    clinic.appointments.book(c.id, clinic.patel, clinic.checkup, at(MONDAY, 9), "phone_agent")
    from sqlcipher3 import dbapi2 as sqlite3
    with pytest.raises(sqlite3.IntegrityError, match="slot_taken"):
        clinic.db.execute("INSERT INTO appointments (contact_id, provider_id, service_id, starts_at, ends_at, "
                          "source, created_at, updated_at) VALUES (?, ?, ?, '2026-12-07T14:10:00Z', "
                          "'2026-12-07T14:40:00Z', 'front_desk', '', '')", [c.id, clinic.patel, clinic.checkup])


def test_two_calls_booking_the_same_slot_at_once(clinic):
    """Eight threads, each with its own connection (as separate calls and the GUI would have),
    race for one slot: exactly one booking, the others get SlotTakenError."""
    contacts = [clinic.contacts.add(f"Caller {i}").id for i in range(8)]
    barrier = threading.Barrier(len(contacts))
    outcomes = []

    def book(contact_id: int) -> None:
        appointments = Appointments(open_store(clinic.path), TZ)
        barrier.wait()
        try:
            appointments.book(contact_id, clinic.patel, clinic.cleaning, at(MONDAY, 10), "phone_agent")
            outcomes.append("booked")
        except SlotTakenError:
            outcomes.append("taken")
    threads = [threading.Thread(target=book, args=(c,)) for c in contacts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["booked"] + ["taken"] * 7
    assert clinic.db.execute("SELECT COUNT(*) FROM appointments WHERE status = 'booked'").fetchone()[0] == 1
