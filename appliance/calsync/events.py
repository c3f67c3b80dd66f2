"""iCalendar text both ways: an appointment as the VEVENT the box writes, and a calendar object
read from the server as the busy periods it makes (repeating events expanded, free and cancelled
events skipped, all-day events the whole local day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from appliance.errors import ApplianceError

PRODID = "-//Clinic voice appliance//Calendar sync//EN"


class EventError(ApplianceError):
    """A calendar object that is not readable iCalendar."""

    code = "calendar.event"


@dataclass(frozen=True)
class BoxEvent:
    """What the box writes for one appointment."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    sequence: int
    changed_at: datetime


@dataclass(frozen=True)
class Busy:
    """One busy period of a calendar object, in UTC."""

    starts_at: datetime
    ends_at: datetime
    summary: str


@dataclass(frozen=True)
class CalendarObject:
    """A calendar object as read from the server: its UID, the first event's times, when it was
    last changed there (its LAST-MODIFIED, else DTSTAMP), and its busy periods in the horizon."""

    uid: str
    starts_at: datetime | None
    ends_at: datetime | None
    cancelled: bool
    changed_at: datetime | None
    busy: tuple[Busy, ...]


def write_event(event: BoxEvent) -> str:
    """The VCALENDAR text of one appointment (UTC times)."""
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.changed_at)
    vevent.add("last-modified", event.changed_at)
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("summary", event.summary)
    vevent.add("description", event.description)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    vevent.add("sequence", event.sequence)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(vevent)
    return calendar.to_ical().decode()


def read_object(text: str, tz: ZoneInfo, start: datetime, end: datetime) -> CalendarObject:
    """Parse one calendar object; its busy periods between `start` and `end`."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
        events = [c for c in calendar.walk("VEVENT")]
        if not events:
            return CalendarObject("", None, None, False, None, ())
        master = next((e for e in events if "RECURRENCE-ID" not in e), events[0])
        occurrences = recurring_ical_events.of(calendar).between(start, end)
        busy = tuple(sorted(
            (Busy(*_span(o, tz), str(o.get("SUMMARY", ""))) for o in occurrences if _is_busy(o)),
            key=lambda b: b.starts_at))
        starts_at, ends_at = _span(master, tz)
        changed = master.get("LAST-MODIFIED") or master.get("DTSTAMP")
        changed_at = _instant(changed.dt, tz) if changed else None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EventError(f"not a readable calendar event: {exc}") from None
    return CalendarObject(str(master.get("UID", "")), starts_at, ends_at,
                          str(master.get("STATUS", "")).upper() == "CANCELLED", changed_at, busy)


def _is_busy(component: icalendar.Event) -> bool:
    return (str(component.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"
            and str(component.get("STATUS", "")).upper() != "CANCELLED")


def _span(component: icalendar.Event, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end in UTC: a date is the clinic's local midnight; no end is one day for a date,
    the start itself (no length) otherwise, per RFC 5545 3.6.1, or DTSTART + DURATION."""
    start = component["DTSTART"].dt
    if "DTEND" in component:
        end = component["DTEND"].dt
    elif "DURATION" in component:
        end = start + component["DURATION"].dt
    else:
        end = start + timedelta(days=1) if not isinstance(start, datetime) else start
    return _instant(start, tz), _instant(end, tz)


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=tz)
    elif value.tzinfo is None:  # floating time: the clinic's wall clock
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)
