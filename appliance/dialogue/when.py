"""'next Tuesday afternoon', 'the 3rd at half past two', 'any time after 4': into days and hours.

Pure: the current time is given. A phrase may name days, a part of the day, a bound ("after
4", "before 10") or an exact time; what it leaves out stays open (the next two weeks, the
whole day)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from appliance.dialogue.spoken import MONTHS, WEEKDAYS, parse_clock, words_to_digits

PARTS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21), "lunch": (11.5, 14)}
HORIZON_DAYS = 14


@dataclass(frozen=True)
class When:
    """Days [first, last] and hours [from_hour, to_hour) the caller wants; `exact` if they named a time."""

    first: date
    last: date
    from_hour: float = 0.0
    to_hour: float = 24.0
    exact: time | None = None
    named_day: bool = False

    def allows(self, moment: datetime) -> bool:
        """Whether a slot starting at `moment` (local) fits."""
        hour = moment.hour + moment.minute / 60
        if not (self.first <= moment.date() <= self.last and self.from_hour <= hour < self.to_hour):
            return False
        return self.exact is None or (moment.hour, moment.minute) == (self.exact.hour, self.exact.minute)

    def merged(self, newer: When) -> When:
        """A correction ('no, Wednesday') keeps what it does not change."""
        days = (newer.first, newer.last, True) if newer.named_day else (self.first, self.last, self.named_day)
        hours_changed = (newer.from_hour, newer.to_hour) != (0.0, 24.0)
        return When(days[0], days[1],
                    newer.from_hour if hours_changed else self.from_hour,
                    newer.to_hour if hours_changed else self.to_hour,
                    newer.exact if newer.exact or hours_changed or newer.named_day else self.exact,
                    days[2])


def parse_when(text: str, now: datetime) -> When | None:
    """The caller's wish in `text`, or None when it names no day or time."""
    t = words_to_digits(text)
    today = now.date()
    days = _days(t, today)
    exact = parse_clock(t)
    hours = _hours(t)
    if days is None and exact is None and hours is None:
        return None
    first, last = days if days else (today, today + timedelta(days=HORIZON_DAYS))
    when = When(first, last, *(hours or (0.0, 24.0)), exact=exact, named_day=days is not None)
    if exact is not None and hours is not None and not (hours[0] <= exact.hour < hours[1]):
        when = replace(when, from_hour=0.0, to_hour=24.0)  # "2 in the afternoon": the time decides
    return when


def _days(t: str, today: date) -> tuple[date, date] | None:
    if re.search(r"\bday after tomorrow\b", t):
        day = today + timedelta(days=2)
        return day, day
    if re.search(r"\btomorrow\b", t):
        return today + timedelta(days=1), today + timedelta(days=1)
    if re.search(r"\btoday\b|\bthis (morning|afternoon|evening)\b", t):
        return today, today
    if re.search(r"\bnext week\b", t):
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    if re.search(r"\bthis week\b", t):
        return today, today + timedelta(days=6 - today.weekday())
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}s?\b", t):
            day = today + timedelta(days=(index - today.weekday()) % 7 or 7)
            return day, day
    month_day = _month_day(t, today)
    if month_day is not None:
        return month_day, month_day
    return None


def _month_day(t: str, today: date) -> date | None:
    months = "|".join(MONTHS)
    match = (re.search(rf"\b({months}) (\d{{1,2}})(?:st|nd|rd|th)?\b", t)
             or re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? of ({months})\b", t))
    if match:
        a, b = match.groups()
        month, day = (MONTHS.index(a) + 1, int(b)) if a in MONTHS else (MONTHS.index(b) + 1, int(a))
        for year in (today.year, today.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                return None
            if candidate >= today:
                return candidate
        return None
    match = re.search(r"\bthe (\d{1,2})(?:st|nd|rd|th)\b", t)
    if match:
        day = int(match.group(1))
        for offset in range(0, 3):
            month = (today.month - 1 + offset) % 12 + 1
            year = today.year + (today.month - 1 + offset) // 12
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
    return None


def _hours(t: str) -> tuple[float, float] | None:
    match = re.search(r"\b(?:after|from) (\d{1,2})(?:[: ](\d{2}))?", t)
    if match:
        hour = int(match.group(1)) + int(match.group(2) or 0) / 60
        return (hour + 12 if hour < 7 else hour), 24.0
    match = re.search(r"\bbefore (\d{1,2})(?:[: ](\d{2}))?", t)
    if match:
        hour = int(match.group(1)) + int(match.group(2) or 0) / 60
        return 0.0, (hour + 12 if hour < 7 else hour)
    for part, bounds in PARTS.items():
        if re.search(rf"\b{part}\b", t):
            return float(bounds[0]), float(bounds[1])
    return None
