"""'next Tuesday afternoon', 'the 3rd at half past two', 'any time after 4': into days and hours.

Pure: the current time is given. A phrase may name days, a part of the day, a bound ("after
4", "before 10", "between 2 and 4"), an approximate time ("around 10": an hour either side)
or an exact time; what it leaves out stays open (the next two weeks, the whole day).

A part of the day without a day ("afternoon") means the coming days from tomorrow, never silently
today; a time or a bound without a day may be today, but not within the next hour
(`When.not_before`). "Tuesday" is often heard as two short words before a part of the day ("To
the morning", "Next, choose the afternoon"): at the start of an answer that names no other day,
read as Tuesday, which the offer then names with its date for the caller to accept or turn down.
Numbers are read by `spoken.words_to_digits` (text2num), times by `spoken.clock_span`."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from appliance.dialogue.spoken import MONTHS, WEEKDAYS, clock_span, words_to_digits

PARTS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21), "tonight": (17, 21), "lunch": (11.5, 14),
         "lunchtime": (11.5, 14)}
HORIZON_DAYS = 14
SOON = timedelta(hours=1)  # a time named without a day is not one within the next hour
MONTH_NAMES = {**{m: i + 1 for i, m in enumerate(MONTHS)},
               **{a: i + 1 for i, a in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                                 "oct", "nov", "dec"])}, "sept": 9}
WEEKDAY_NAMES = {**{d: i for i, d in enumerate(WEEKDAYS)},
                 "tues": 1, "tue": 1, "weds": 2, "wednes": 2, "thurs": 3, "thur": 3, "thu": 3, "fri": 4}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_ANY_MONTH = _MONTH.replace("?P<month>", "?:")
_DATED = re.compile(rf"\b(?:{_ANY_MONTH} (?:the )?\d{{1,2}}(?:st|nd|rd|th)?|(?:the )?\d{{1,2}}(?:st|nd|rd|th)? "
                    rf"(?:of )?{_ANY_MONTH})\W*(?:of |in )?(?P<year>\d{{4}})\b")  # a year: see `parse_when`
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAY_NAMES, key=len, reverse=True)) + r")s?\b"
_BOUND_BEFORE = re.compile(r"\b(?:after|from|since|later than|not before|before|until|till|by|no later than|"
                           r"between|and|to),?\s*$")
_APPROXIMATE = re.compile(r"\b(?:around|about|roughly|approximately|ish)\b|\d ?ish\b|\bor so\b")
# at the start of an answer (after a yes, a no or a filler at most) that names no other day
_TUESDAY_HEARD = re.compile(r"^(\W*(?:(?:no|yes|yeah|um|uh|oh|well|next|this|maybe|how about)\W+)*)(?:to the|to be|"
                            r"choose the|chooses the|tues the|two's day)\s+(?=(?:morning|afternoon|evening)\b)")
_GREETING = re.compile(r"\bgood (?:morning|afternoon|evening|day)\b", re.IGNORECASE)  # "Good afternoon, I'd like..."
_OPEN = re.compile(r"\b(?:as soon as possible|asap|a s a p|soonest|earliest|first available|next available|"
                   r"any ?time|whenever)\b")


@dataclass(frozen=True)
class When:
    """Days [first, last] and hours [from_hour, to_hour) the caller wants; `exact` if they named a
    time; `not_before` (local) when no day was named and the next hour is not meant."""

    first: date
    last: date
    from_hour: float = 0.0
    to_hour: float = 24.0
    exact: time | None = None
    named_day: bool = False
    not_before: datetime | None = None

    def allows(self, moment: datetime) -> bool:
        """Whether a slot starting at `moment` (local) fits."""
        hour = moment.hour + moment.minute / 60
        if not (self.first <= moment.date() <= self.last and self.from_hour <= hour < self.to_hour):
            return False
        if self.not_before is not None and _before(moment, self.not_before):
            return False
        return self.exact is None or (moment.hour, moment.minute) == (self.exact.hour, self.exact.minute)

    def merged(self, newer: When) -> When:
        """A correction ('no, Wednesday') keeps what it does not change; a time said outside the
        part of the day kept drops it ("Friday at 11" after "tonight")."""
        days = ((newer.first, newer.last, True, None) if newer.named_day
                else (self.first, self.last, self.named_day, self.not_before))
        hours_changed = (newer.from_hour, newer.to_hour) != (0.0, 24.0)
        hours = (newer.from_hour, newer.to_hour) if hours_changed else (self.from_hour, self.to_hour)
        exact = newer.exact if newer.exact or hours_changed or newer.named_day else self.exact
        if exact is not None and not hours[0] <= exact.hour + exact.minute / 60 < hours[1]:
            hours = (0.0, 24.0)
        return When(days[0], days[1], *hours, exact, days[2], days[3])


def _before(moment: datetime, limit: datetime) -> bool:
    if (moment.tzinfo is None) != (limit.tzinfo is None):
        return moment.replace(tzinfo=None) < limit.replace(tzinfo=None)
    return moment < limit


def parse_when(text: str, now: datetime) -> When | None:
    """The caller's wish in `text`, or None when it names no day or time. A date with a past
    year is no wish ("born June 5th, 1982, and I'd like a check-up next Wednesday"); the year of
    another is no time ("January 4th, 2027" is not at 20:27); a greeting is none ("Good afternoon,
    I'd like to come in for a check-up" was offered afternoons)."""
    today = now.date()
    t = _DATED.sub(lambda m: m[0][:m.start("year") - m.start()] if int(m["year"]) >= today.year else " ",
                   _tuesday_heard(words_to_digits(_GREETING.sub(" ", text))))
    days = _days(t, today)
    clock = clock_span(t)
    exact = clock[0] if clock else None
    hours = _hours(t)
    if clock is not None and _BOUND_BEFORE.search(t[:clock[1]]):
        exact = None  # "after 4 pm", "between 2 and 4": a bound, read by _hours
    if exact is not None and _APPROXIMATE.search(t):
        hour = exact.hour + exact.minute / 60
        exact, hours = None, (max(0.0, hour - 1), min(24.0, hour + 1))
    if days is None and exact is None and hours is None:
        if not _OPEN.search(t):
            return None
        return When(today, today + timedelta(days=HORIZON_DAYS), not_before=now + SOON)
    not_before = None
    if days is not None:
        first, last = days
    elif exact is None and hours is not None and _part_of_day(t):
        first, last = today + timedelta(days=1), today + timedelta(days=HORIZON_DAYS)  # not silently today
    else:
        first, last, not_before = today, today + timedelta(days=HORIZON_DAYS), now + SOON
    when = When(first, last, *(hours or (0.0, 24.0)), exact=exact, named_day=days is not None,
                not_before=not_before)
    if exact is not None and hours is not None and not (hours[0] <= exact.hour + exact.minute / 60 < hours[1]):
        when = replace(when, from_hour=0.0, to_hour=24.0)  # "2 in the afternoon": the time decides
    return when


def _tuesday_heard(t: str) -> str:
    """`t` with "Tuesday" for the two words a recogniser writes for it ("To the morning")."""
    return t if re.search(rf"\b{_WEEKDAY}", t) else _TUESDAY_HEARD.sub(r"\1tuesday ", t)


def _part_of_day(t: str) -> bool:
    return any(re.search(rf"\b{part}\b", t) for part in PARTS)


def _days(t: str, today: date) -> tuple[date, date] | None:
    monday = today - timedelta(days=today.weekday())
    next_monday = monday + timedelta(days=7)
    if re.search(r"\bday after tomorrow\b", t):
        day = today + timedelta(days=2)
        return day, day
    match = (re.search(rf"\b(?:a|1|one) week (?:from|on|after) (?:(?P<rel>today|tomorrow)|(?:this |next )?{_WEEKDAY})", t)
             or re.search(rf"\b{_WEEKDAY} week\b", t))
    if match:  # "a week from Monday", "Monday week"
        if match.groupdict().get("rel"):
            base = today + timedelta(days=0 if match["rel"] == "today" else 1)
        else:
            base = _next_weekday(today, WEEKDAY_NAMES[match["weekday"]])
        return base + timedelta(days=7), base + timedelta(days=7)
    if re.search(r"\btomorrow\b", t):
        return today + timedelta(days=1), today + timedelta(days=1)
    if re.search(r"\btoday\b|\btonight\b|\bthis (morning|afternoon|evening)\b|\blater today\b", t):
        return today, today
    match = re.search(r"\bin (\d{1,2}) (day|week)s?(?:'? time)?\b|\b(\d{1,2}) (day|week)s? from (?:now|today)\b", t)
    if match:
        count, unit = int(match[1] or match[3]), match[2] or match[4]
        if unit == "day":
            day = today + timedelta(days=count)
            return day, day
        start = monday + timedelta(days=7 * count)
        return start, start + timedelta(days=6)
    if re.search(r"\bweek after next\b", t):
        return next_monday + timedelta(days=7), next_monday + timedelta(days=13)
    if re.search(r"\b(?:early|beginning of|start of|first part of) next week\b", t):
        return next_monday, next_monday + timedelta(days=2)
    if re.search(r"\b(?:late|later|end of|latter part of) next week\b", t):
        return next_monday + timedelta(days=3), next_monday + timedelta(days=6)
    if re.search(r"\bnext week\b", t):
        return next_monday, next_monday + timedelta(days=6)
    if re.search(r"\b(?:later|late|end of|the end of) (?:this|the) week\b", t):
        return max(today + timedelta(days=1), monday + timedelta(days=3)), monday + timedelta(days=6)
    if re.search(r"\bthis week\b", t):
        return today, monday + timedelta(days=6)
    if re.search(r"\b(?:this |the )?weekend\b", t):
        saturday = monday + timedelta(days=5)
        return max(today, saturday), saturday + timedelta(days=1)
    if re.search(r"\bnext month\b", t):
        first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    month_day = _month_day(t, today)
    if month_day is not None:
        return month_day, month_day
    match = re.search(rf"\b(?P<this>this |next |coming )?{_WEEKDAY}", t)
    if match:
        index = WEEKDAY_NAMES[match["weekday"]]
        day = today if match["this"] == "this " and index == today.weekday() else _next_weekday(today, index)
        return day, day
    day_of_month = _day_of_month(t, today)
    if day_of_month is not None:
        return day_of_month, day_of_month
    return None


def _next_weekday(today: date, index: int) -> date:
    """The next `index` day (0 Monday) after today."""
    return today + timedelta(days=(index - today.weekday()) % 7 or 7)


def _month_day(t: str, today: date) -> date | None:
    match = (re.search(rf"\b{_MONTH} (?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)", t)
             or re.search(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MONTH}(?!\w)", t))
    if not match:
        return None
    month, day = MONTH_NAMES[match["month"]], int(match["day"])
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _day_of_month(t: str, today: date) -> date | None:
    match = re.search(r"\bthe (\d{1,2})(?:st|nd|rd|th)\b", t)
    if not match:
        return None
    day = int(match.group(1))
    for offset in range(3):
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
    if re.search(r"\bafter (?:lunch|lunchtime)\b", t):
        return 13.5, 24.0
    if re.search(r"\bbefore (?:lunch|lunchtime)\b", t):
        return 0.0, 12.0
    match = re.search(r"\b(?:between|from) (.{1,30}?) (?:and|to|till|until) (.{1,30})", t)
    if match:
        start, end = _bound(match[1]), _bound(match[2])
        if start is not None and end is not None and start < end:
            return start, end
    match = re.search(r"\b(?:after|from|since|later than|not before),? (.{1,30})", t)
    if match and (hour := _bound(match[1])) is not None:
        return hour, 24.0
    match = re.search(r"\b(?:before|until|till|by|no later than),? (.{1,30})", t)
    if match and (hour := _bound(match[1])) is not None:
        return 0.0, hour
    for part, bounds in PARTS.items():
        if re.search(rf"\b{part}\b", t):
            return float(bounds[0]), float(bounds[1])
    return None


def _bound(said: str) -> float | None:
    """The hour a bound starts at: '4' -> 16.0, '9 30 am' -> 9.5, 'noon' -> 12.0, 'half past 2';
    'for' alone is four as heard ("after, for")."""
    said = re.sub(r"^for\b(?=\W*$|\s*(?:pm|p\.m\.|o'clock|in the|or so|ish))", "4", said.strip())
    said = re.split(r",|\band\b|\bto\b|\btill\b|\buntil\b", said)[0].strip()
    if re.match(r"(?:\d{1,2}|noon|midday|lunch|half|quarter)", said) is None:
        return None
    found = clock_span(said if re.match(r"\D", said) else f"at {said}")
    if found is None:
        return None
    return found[0].hour + found[0].minute / 60
