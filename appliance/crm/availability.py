"""Free slots: opening hours minus closures, booked appointments and the busy blocks read from
the clinic's calendar, in the clinic's time zone. Local wall-clock times are turned into
instants per day, so a slot on the day clocks change is right, and a local time that does not
exist that day is skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import parse_utc, utc_text


MAX_SERVICE = timedelta(minutes=480)  # the longest service the schema allows


@dataclass(frozen=True)
class Slot:
    """A bookable time with one provider, as aware datetimes in the clinic's zone."""

    provider_id: int
    provider_name: str
    service_id: int
    starts_at: datetime
    ends_at: datetime


def local_instant(day: date, hhmm: str, tz: ZoneInfo) -> datetime | None:
    """`day` at wall-clock `hhmm` in `tz`, or None when that time does not exist (DST gap)."""
    hour, minute = map(int, hhmm.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    return local if (back.hour, back.minute) == (hour, minute) else None


def free_slots(db: sqlite_utils.Database, tz: ZoneInfo, service_id: int, start: datetime, end: datetime,
               provider_id: int | None = None, now: datetime | None = None, step_min: int = 15,
               limit: int | None = None) -> list[Slot]:
    """Free slots for `service_id` starting within [start, end), soonest first."""
    schedule = Schedule(db)
    service = schedule.service(service_id)
    length = timedelta(minutes=service.duration_min)
    earliest = (max(start, now) if now else start).astimezone(UTC)
    end = end.astimezone(UTC)
    providers = [p for p in schedule.providers(service_id) if provider_id in (None, p.id)]
    slots: list[Slot] = []
    for provider in providers:
        busy = [(parse_utc(a), parse_utc(b)) for a, b in db.execute(
            "SELECT starts_at, ends_at FROM appointments WHERE provider_id = ? AND status = 'booked' "
            "AND starts_at > ? AND starts_at < ? AND ends_at > ? "
            "UNION ALL SELECT starts_at, ends_at FROM calendar_blocks WHERE (provider_id = ? OR provider_id IS NULL) "
            "AND starts_at < ? AND ends_at > ?",
            [provider.id, utc_text(start - MAX_SERVICE), utc_text(end + length), utc_text(start),
             provider.id, utc_text(end + length), utc_text(start)]).fetchall()]
        day = start.astimezone(tz).date()
        while day <= end.astimezone(tz).date():
            for opens, closes in schedule.hours_on(day, provider.id):
                open_at, close_at = local_instant(day, opens, tz), local_instant(day, closes, tz)
                if open_at is None or close_at is None:
                    continue
                t, close_at = open_at.astimezone(UTC), close_at.astimezone(UTC)  # exact arithmetic
                while t + length <= close_at:
                    if t >= earliest and t < end and not any(b0 < t + length and b1 > t for b0, b1 in busy):
                        slots.append(Slot(provider.id, provider.name, service_id, t.astimezone(tz),
                                          (t + length).astimezone(tz)))
                    t += timedelta(minutes=step_min)
            day += timedelta(days=1)
    slots.sort(key=lambda s: (s.starts_at, s.provider_id))
    return slots[:limit] if limit else slots
