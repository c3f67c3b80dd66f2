"""FHIR for the outside world: appointments as `Appointment` resources (the outbox's "fhir"
webhook format and an export) and free time as a Bundle of `Slot` resources.

The JSON is FHIR R4. fhir.resources 8 ships R5 (its default) and R4B but not R4, so the
resources are built and checked with the R4B models: Appointment, Slot and Bundle have the same
structure in R4 and R4B for every element used here. The patient is named minimally: a logical
reference `Patient/<contact id>` with the initials as display, never a date of birth or phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlite_utils
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.slot import Slot as FhirSlot

from appliance.crm.appointments import Appointment, Appointments
from appliance.crm.availability import Slot, free_slots
from appliance.crm.names import initials
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import now_utc, parse_utc

FHIR_JSON = "application/fhir+json"
APPOINTMENT_EVENTS = ("appointment.booked", "appointment.cancelled", "appointment.rescheduled")
IDENTIFIER_SYSTEM = "urn:clinic-voice-appliance:appointment"
EVENT_SYSTEM = "urn:clinic-voice-appliance:event"
STATUS = {"booked": "booked", "cancelled": "cancelled", "completed": "fulfilled", "no_show": "noshow"}


@dataclass(frozen=True)
class Names:
    """What an appointment says about who and what: patient initials, provider, service."""

    patient: str
    provider: str
    service: str


def names_of(db: sqlite_utils.Database, a: Appointment) -> Names:
    """The current names of the appointment's patient, provider and service ('' when gone)."""
    patient, provider, service = db.execute(
        "SELECT (SELECT name FROM contacts WHERE id = ?), (SELECT name FROM providers WHERE id = ?), "
        "(SELECT name FROM services WHERE id = ?)", [a.contact_id, a.provider_id, a.service_id]).fetchone()
    return Names(initials(patient or ""), provider or "", service or "")


def _reference(kind: str, key: str | int, display: str) -> dict[str, str]:
    return {"reference": f"{kind}/{key}", **({"display": display} if display else {})}


def _service_type(name: str) -> list[dict[str, str]] | None:
    return [{"text": name}] if name else None


def appointment_resource(a: Appointment, names: Names, tz: tzinfo = UTC, event: str = "",
                         reason: str = "") -> FhirAppointment:
    """One appointment as an R4 `Appointment`; times as instants in `tz`; `event` goes in meta.tag."""
    meta: dict[str, Any] = {"versionId": str(a.version)}
    if event:
        meta["tag"] = [{"system": EVENT_SYSTEM, "code": event}]
    return FhirAppointment(
        id=str(a.id), meta=meta, status=STATUS[a.status],
        identifier=[{"system": IDENTIFIER_SYSTEM, "value": str(a.id)}],
        serviceType=_service_type(names.service),
        start=a.starts_at.astimezone(tz), end=a.ends_at.astimezone(tz),
        cancelationReason={"text": reason} if reason else None,
        participant=[{"actor": _reference("Patient", a.contact_id, names.patient), "status": "accepted"},
                     {"actor": _reference("Practitioner", a.provider_id, names.provider), "status": "accepted"}])


def from_payload(payload: dict[str, Any]) -> Appointment:
    """An outbox appointment event's payload (see `appointments._payload`) as the appointment then."""
    return Appointment(payload["appointment_id"], payload["contact_id"], payload["provider_id"],
                       payload["service_id"], parse_utc(payload["starts_at"]), parse_utc(payload["ends_at"]),
                       payload["status"], payload["source"], payload["version"])


def event_resource(db: sqlite_utils.Database, event_type: str, payload: dict[str, Any],
                   tz: tzinfo = UTC) -> FhirAppointment:
    """An appointment event as its `Appointment` at the event's version (names as they are now)."""
    a = from_payload(payload)
    return appointment_resource(a, names_of(db, a), tz, event_type, payload.get("reason", ""))


def slot_resource(slot: Slot, service: str) -> FhirSlot:
    """One free slot as an R4 `Slot` on the provider's schedule."""
    return FhirSlot(
        id=f"provider-{slot.provider_id}-{slot.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}", status="free",
        schedule=_reference("Schedule", f"provider-{slot.provider_id}", slot.provider_name),
        serviceType=_service_type(service), start=slot.starts_at, end=slot.ends_at)


def bundle(resources: list[Any]) -> Bundle:
    """A `collection` Bundle of the resources, stamped now."""
    entries = [{"resource": r} for r in resources]
    return Bundle(type="collection", timestamp=now_utc().replace(microsecond=0), entry=entries or None)


def slots_bundle(db: sqlite_utils.Database, tz: tzinfo, service_id: int, start: datetime, end: datetime,
                 provider_id: int | None = None) -> Bundle:
    """Free slots for a service starting within [start, end), as a Bundle of `Slot`."""
    service = Schedule(db).service(service_id).name
    return bundle([slot_resource(s, service) for s in free_slots(db, tz, service_id, start, end, provider_id)])


def appointments_bundle(db: sqlite_utils.Database, tz: tzinfo, start: datetime, end: datetime,
                        provider_id: int | None = None) -> Bundle:
    """Booked appointments starting within [start, end), as a Bundle of `Appointment`."""
    booked = Appointments(db, tz).between(start, end, provider_id)
    return bundle([appointment_resource(a, names_of(db, a), tz) for a in booked])
