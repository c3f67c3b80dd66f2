"""Standards out of the appliance, read back by their own parsers: FHIR R4 (the outbox's "fhir"
webhook format against a real local HTTP server, the free-slot and appointment Bundles, the CLI
exports; parsed with the fhir.resources R4B models, as R4 is not shipped and the elements used
are the same) and the iCalendar feed (parsed with `icalendar`), on the days clocks change."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.slot import Slot

from appliance.cli import main
from appliance.config import parse_config
from appliance.crm.availability import free_slots
from appliance.crm.exports import ics_feed
from appliance.crm.fhir import appointments_bundle, slots_bundle
from appliance.crm.names import initials
from appliance.crm.outbox import SIGNATURE_HEADER, OutboxWorker
from appliance.errors import ConfigError
from tests.crm.conftest import TZ, clinic  # noqa: F401 - the store fixture
from tests.crm.webhook import SECRET, Receiver

SPRING_FORWARD = datetime(2026, 3, 8, 10, tzinfo=TZ)  # a Sunday: clocks went to EDT at 02:00
FALL_BACK = datetime(2026, 11, 1, 9, tzinfo=TZ)  # a Sunday: clocks went back to EST at 02:00


@pytest.fixture()
def recorder():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture()
def sundays(clinic):  # noqa: F811
    """The clinic also opens on Sundays, so bookings can fall on the days clocks change."""
    clinic.schedule.set_hours("sunday", "09:00", "13:00")
    return clinic


def deliver_all(store, url: str, webhook_format: str) -> None:
    worker = OutboxWorker(store.db, url, SECRET, webhook_format=webhook_format, tz=TZ)
    assert worker.run_once() == worker.status().delivered and worker.status().pending == 0


def test_fhir_mode_sends_appointment_events_as_r4_appointments(sundays, recorder):
    clinic = sundays  # noqa: F811
    maria = clinic.contacts.add("María López", phones=["5551234567"], date_of_birth="1980-05-03")
    a = clinic.appointments.book(maria.id, clinic.okafor, clinic.checkup, SPRING_FORWARD, "phone_agent")
    clinic.appointments.reschedule(a.id, FALL_BACK)
    clinic.appointments.cancel(a.id, reason="caller asked")
    deliver_all(clinic, recorder.url, "fhir")

    assert len(recorder.received) == 4
    for headers, body in recorder.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected) and headers["Idempotency-Key"]
    (contact_headers, contact_body), *fhir = recorder.received
    assert contact_headers["Content-Type"] == "application/json", "other events keep the appliance format"
    assert json.loads(contact_body)["type"] == "contact.created"
    for headers, body in fhir:
        assert headers["Content-Type"] == "application/fhir+json"
        assert not [s for s in ("1980", "555", "María", "López") if s in body.decode()], "minimum necessary"
    booked, moved, cancelled = (Appointment.model_validate(json.loads(body)) for _, body in fhir)

    assert [r.meta.tag[0].code for r in (booked, moved, cancelled)] == [
        "appointment.booked", "appointment.rescheduled", "appointment.cancelled"]
    assert [r.meta.versionId for r in (booked, moved, cancelled)] == ["1", "2", "3"]
    assert [r.status for r in (booked, moved, cancelled)] == ["booked", "booked", "cancelled"]
    assert booked.id == str(a.id) and booked.identifier[0].value == str(a.id)
    assert booked.start == SPRING_FORWARD and booked.end == SPRING_FORWARD + timedelta(minutes=30)
    assert booked.start.utcoffset() == timedelta(hours=-4), "EDT after the spring change"
    assert moved.start == FALL_BACK and moved.end - moved.start == timedelta(minutes=30)
    assert moved.start.utcoffset() == timedelta(hours=-5), "EST after the fall change"
    assert cancelled.start == FALL_BACK and cancelled.cancelationReason.text == "caller asked"
    patient, practitioner = (p.actor for p in booked.participant)
    assert (patient.reference, patient.display) == (f"Patient/{maria.id}", "M. L.")
    assert (practitioner.reference, practitioner.display) == (f"Practitioner/{clinic.okafor}", "Dr. Okafor")
    assert booked.serviceType[0].text == "check-up"


def test_the_default_format_is_the_appliance_json(clinic, recorder):  # noqa: F811
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    clinic.appointments.book(c.id, clinic.patel, clinic.checkup, datetime(2026, 12, 7, 9, tzinfo=TZ), "front_desk")
    deliver_all(clinic, recorder.url, "appliance")
    assert {h["Content-Type"] for h, _ in recorder.received} == {"application/json"}
    assert json.loads(recorder.received[1][1])["data"]["starts_at"] == "2026-12-07T14:00:00Z"


def test_webhook_format_is_checked():
    assert parse_config({"crm": {"webhook_format": "fhir"}}).crm.webhook_format == "fhir"
    with pytest.raises(ConfigError, match="crm.webhook_format must be one of 'appliance', 'fhir', got 'hl7'"):
        parse_config({"crm": {"webhook_format": "hl7"}})
    with pytest.raises(ConfigError, match="webhook_format"):
        OutboxWorker(None, "", "", webhook_format="hl7")


def test_free_slots_bundle_across_the_autumn_change(sundays):
    clinic = sundays  # noqa: F811
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    clinic.appointments.book(c.id, clinic.okafor, clinic.checkup, FALL_BACK, "front_desk")
    start, end = datetime(2026, 10, 31, tzinfo=TZ), datetime(2026, 11, 2, tzinfo=TZ)
    bundle = Bundle.model_validate(json.loads(slots_bundle(clinic.db, TZ, clinic.checkup, start, end,
                                                           clinic.okafor).model_dump_json()))
    assert bundle.type == "collection"
    slots = [Slot.model_validate(e.resource.model_dump()) for e in bundle.entry]
    expected = free_slots(clinic.db, TZ, clinic.checkup, start, end, clinic.okafor)
    assert [(s.start, s.end) for s in slots] == [(e.starts_at, e.ends_at) for e in expected]
    assert {(s.status, s.schedule.reference, s.schedule.display, s.serviceType[0].text) for s in slots} == {
        ("free", f"Schedule/provider-{clinic.okafor}", "Dr. Okafor", "check-up")}
    saturday, sunday = slots[0], next(s for s in slots if s.start.date() == FALL_BACK.date())
    assert saturday.start == datetime(2026, 10, 31, 9, tzinfo=TZ) and saturday.start.utcoffset() == timedelta(hours=-4)
    assert sunday.start == FALL_BACK + timedelta(minutes=30), "the booked 09:00 is not free"
    assert sunday.start.utcoffset() == timedelta(hours=-5)
    assert len({s.id for s in slots}) == len(slots)


def test_appointments_bundle_holds_the_booked_ones(clinic):  # noqa: F811
    c = clinic.contacts.add("Ann Lee", phones=["5551234567"])
    monday = datetime(2026, 12, 7, 9, tzinfo=TZ)
    kept = clinic.appointments.book(c.id, clinic.patel, clinic.cleaning, monday, "front_desk")
    gone = clinic.appointments.book(c.id, clinic.okafor, clinic.checkup, monday, "front_desk")
    clinic.appointments.cancel(gone.id)
    bundle = Bundle.model_validate(json.loads(appointments_bundle(
        clinic.db, TZ, monday, monday + timedelta(days=1)).model_dump_json()))
    [only] = [Appointment.model_validate(e.resource.model_dump()) for e in bundle.entry]
    assert only.id == str(kept.id) and only.start == monday and only.serviceType[0].text == "cleaning"
    assert initials("María López, Jr.") == "M. L. J." and initials("") == ""


def test_cli_writes_fhir_bundles(clinic, tmp_path, capsys):  # noqa: F811
    config = tmp_path / "appliance.toml"
    config.write_text('[clinic]\ntimezone = "America/New_York"\n')
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    clinic.appointments.book(c.id, clinic.patel, clinic.checkup, soon, "import")
    args = ["--config", str(config), "crm", "--db", str(clinic.path)]
    out = tmp_path / "slots.json"
    assert main([*args, "export-fhir-slots", "--service", str(clinic.checkup), "--days", "7", "--out", str(out)]) == 0
    slots = Bundle.model_validate_json(out.read_text())
    assert slots.entry and {e.resource.status for e in slots.entry} == {"free"}
    assert slots.entry[0].resource.start.utcoffset() in (timedelta(hours=-4), timedelta(hours=-5))
    capsys.readouterr()
    assert main([*args, "export-fhir-appointments", "--days", "7"]) == 0
    [entry] = Bundle.model_validate_json(capsys.readouterr().out).entry
    assert entry.resource.start == soon


def test_ics_feed_parses_with_the_right_times_and_status(sundays):
    clinic = sundays  # noqa: F811
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    spring = clinic.appointments.book(c.id, clinic.okafor, clinic.checkup, SPRING_FORWARD, "front_desk")
    autumn = clinic.appointments.book(c.id, clinic.patel, clinic.cleaning, FALL_BACK, "phone_agent")
    clinic.appointments.cancel(autumn.id)
    calendar = icalendar.Calendar.from_ical(ics_feed(clinic.db, "Riverside"))
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert [(e.decoded("DTSTART"), e.decoded("DTEND"), str(e["STATUS"])) for e in events] == [
        (SPRING_FORWARD, spring.ends_at, "CONFIRMED"), (FALL_BACK, FALL_BACK + timedelta(minutes=45), "CANCELLED")]
    assert spring.ends_at - spring.starts_at == timedelta(minutes=30)
    assert all("DTSTAMP" in e and "UID" in e for e in events) and len({str(e["UID"]) for e in events}) == 2
