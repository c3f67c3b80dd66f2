"""Time in the store: UTC text of one fixed width, so text order is time order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_text(moment: datetime) -> str:
    """A timezone-aware datetime as stored: '2026-11-24T14:30:00Z'."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).strftime(FORMAT)


def parse_utc(text: str) -> datetime:
    """Stored text back to an aware UTC datetime."""
    return datetime.strptime(text, FORMAT).replace(tzinfo=UTC)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day `day` in `tz` as [start, end) instants (23 or 25 hours on a clock change)."""
    return datetime.combine(day, time(0), tz), datetime.combine(day + timedelta(days=1), time(0), tz)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def parse_iso(text: str) -> datetime:
    """Any stored UTC time ('...Z', or '+00:00' with milliseconds as the call log writes it) as
    an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
