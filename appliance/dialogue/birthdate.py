"""Dates of birth as callers say them and recognisers write them (pure).

'January first nineteen eighty', 'Jan. 1, 1980.', 'the third of May 1975', 'May 3rd, 75', '3 May
1975', '1/1/1980', '7/9/72', '07-09-1972', '1980-05-03', 'oh seven twelve nineteen sixty nine',
'seven nine seventy two', '7 9 70 2', '712-69', '712, 69' and '1022 1990' (Whisper grouping the
digits like a phone number), 'October 30th, 1900, 88', 'April 2nd, 1900, 1990' and '4 July,
19th, 1980' (Whisper's nineteen eighty-eight, nineteen ninety and nineteen eighty, the
'nineteen' said apart), 'June 30th, 1960, too' (sixty-two), 'the first on March 1983' and 'the
19th, the February 1975' ('of' misheard), 'May 3rd, 1,970' (the year written as a number),
with other words around them.

Which library does what: `text2num` (through `spoken.numerals`) turns the spoken numbers into
digits ("twenty third" -> "23rd", "nineteen eighty" -> "19 80", "oh seven" -> "07"); the rules
here read the day, the month and the year from them. A year said alone ("nineteen seventy
two") is not a date. A two-digit year is the latest one not in the future; a date of birth is
in the past and at most 120 years ago. Month first ('7/9/72' is July 9th) unless `day_first`,
but a first number over 12 can only be a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from appliance.dialogue.spoken import MONTHS, numerals

OLDEST_YEARS = 120
MONTH_NAMES = {**{m: i + 1 for i, m in enumerate(MONTHS)},
               **{a: i + 1 for i, a in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                                 "oct", "nov", "dec"])}, "sept": 9}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>(?:1[89]|20) ?\d{2}|\d{4}|'?\d{2})(?!\d)(?! ?\d)(?!st\b|nd\b|rd\b|th\b)"  # "19th" is no year
_SEP = r"[\s,.]*"
_APART = rf"(?:(?:19|20)th{_SEP})?"  # "4 July, 19th, 1980": the year's "nineteen" written apart as a day
_NAMED = [  # month said by name
    re.compile(rf"\b{_MONTH}{_SEP}(?:the\s+)?{_DAY}{_SEP}(?:of\s+|in\s+)?{_APART}{_YEAR}"),
    # "on" or "the": "of" misheard
    re.compile(rf"\b(?:the\s+)?{_DAY}{_SEP}(?:of\s+|on\s+|the\s+)?{_MONTH}{_SEP}(?:of\s+|in\s+)?{_APART}{_YEAR}"),
]
_MONTH_AND_DAY = [re.compile(rf"\b{_MONTH}{_SEP}(?:the\s+)?{_DAY}"),  # a date of birth's month and day alone
                  re.compile(rf"\b(?:the\s+)?{_DAY}{_SEP}(?:of\s+|on\s+|the\s+)?{_MONTH}")]
_YEAR_ALONE = re.compile(r"(?<!\d)(?<!\d,)(?:19|20) ?\d\d(?!,?\d)")  # "1964", "19 64"; not "1,964"
_ISO = re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)")
_WRITTEN = re.compile(r"(?<![\d/.-])(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-])")
_SAID = re.compile(r"(?<![\d/.-])(?:\d+(?:[ ,]+\d+)+|\d{4,8})(?![\d/-])")  # numbers said one after another


@dataclass(frozen=True)
class DateOfBirthAsked:
    """A date of birth asked for: the recogniser may prefer a reading of the answer with one in."""

    day_first: bool
    today: date

    def readable(self, text: str, heard: str = "") -> bool:
        """Whether `text` holds a whole date of birth, one that keeps the parts `heard` held, if
        given ("August, the 33rd, 1936." is not August 31st, 1966: its year was heard)."""
        born = parse_date_of_birth(text, self.day_first, self.today)
        if born is None or not heard:
            return born is not None
        parts = birth_parts(heard, self.today)
        return all(part in (None, value) for part, value in
                   ((parts.month, born.month), (parts.day, born.day), (parts.year, born.year)))


def parse_date_of_birth(text: str, day_first: bool, today: date) -> date | None:
    """The date of birth in `text`, or None (also when impossible, in the future or too old)."""
    t = _normalised(text)
    named = sorted((m for pattern in _NAMED for m in pattern.finditer(t)), key=lambda m: m.start())
    for match in named:  # the earliest: "the 23rd of august 19 91", not "august 19 91"
        born = _date(match["year"], MONTH_NAMES[match["month"]], int(match["day"]), today)
        if born is not None:
            return born
    for match in _ISO.finditer(t):
        born = _date(match["year"], int(match["month"]), int(match["day"]), today)
        if born is not None:
            return born
    for match in _WRITTEN.finditer(t):
        born = _ordered(int(match[1]), int(match[3]), match[4], day_first, today)
        if born is not None:
            return born
    for said in (t, re.sub(r"(?<=\d)-(?=\d)", "", t)):  # then digits grouped like a phone number: "712-69"
        for match in _SAID.finditer(said):
            born = _said(re.findall(r"\d+", match.group(0)), day_first, today)
            if born is not None:
                return born
    return None


def _normalised(text: str) -> str:
    """`text` in lower case with its spoken numbers as digits and the years Whisper writes in two
    pieces joined."""
    t = re.sub(r"\b(?:1,[89]|2,0)\d\d\b", lambda m: m[0].replace(",", ""), numerals(text).lower())  # "1,970": a year
    t = re.sub(r"\b1900,? ((?:19|20) ?\d{2})\b", r"\1", t)  # "1900, 1990": "nineteen", the year
    t = re.sub(r"\b1900,? (\d{2})\b", r"19\1", t)  # "1900, 88": nineteen eighty-eight ("August 19 88" is no day)
    # "november 19 64" with nothing after: the year alone (nineteen sixty-four), no 19th
    t = re.sub(rf"\b{_MONTH} (?P<century>19|20) (?P<year>\d\d)\b(?!\W*\d)",
               lambda m: f"{m['month']} {m['century']}{m['year']}", t)
    # "1960, too." at the end: "nineteen sixty-two" with its last digit written apart
    return re.sub(r"\b((?:19|20)[1-9])0,? (?:([1-9])|too|to)[.!]?\s*$", lambda m: f"{m[1]}{m[2] or 2}", t)


@dataclass(frozen=True)
class BirthParts:
    """The parts of a date of birth heard so far, when the whole was not: a month said by name,
    its day said next to it, a year in four digits."""

    month: int | None = None
    day: int | None = None
    year: int | None = None

    def merged(self, other: BirthParts) -> BirthParts:
        """These parts, with the ones missing here taken from `other`."""
        return BirthParts(self.month or other.month, self.day or other.day, self.year or other.year)

    @property
    def complete(self) -> bool:
        """Every part is known."""
        return None not in (self.month, self.day, self.year)

    def born(self, today: date) -> date | None:
        """The date, when every part is known and it is a possible date of birth."""
        return _date(str(self.year), self.month, self.day, today) if self.complete else None


def birth_parts(text: str, today: date, day_asked: bool = False) -> BirthParts:
    """The parts of a date of birth in `text` ("the Einstein O'Member, 1964": the year; "August
    8th, 1900, Adventy": the month and day; a number alone is no day, unless `day_asked`: "The
    ninth.")."""
    t = _normalised(text)
    month = day = year = None
    years = {int(y.replace(" ", "")) for y in _YEAR_ALONE.findall(t)}
    years = {y for y in years if today.year - OLDEST_YEARS <= y <= today.year}
    if len(years) == 1:  # two years: neither
        year = years.pop()
    said = min((m for pattern in _MONTH_AND_DAY if (m := pattern.search(t))), key=lambda m: m.start(), default=None)
    if said is not None or (said := re.search(rf"\b(?!may\b){_MONTH}", t)):  # "may" alone: "May I ask why?"
        month = MONTH_NAMES[said["month"]]
        day = int(said["day"]) if said.groupdict().get("day") and 1 <= int(said["day"]) <= 31 else None
    alone = re.findall(r"(?<!\d)(?<!\d,)(\d{1,2})(?:st|nd|rd|th)?\b(?!,?\d)", _YEAR_ALONE.sub(" ", t))
    if day is None and day_asked and len(alone) == 1 and 1 <= int(alone[0]) <= 31:
        day = int(alone[0])
    return BirthParts(month, day, year)


def _said(groups: list[str], day_first: bool, today: date) -> date | None:
    """Numbers said in a row: '7 9 72', '07 12 19 69', '7 19 1972', or all the digits one by one."""
    readings: list[tuple[str, str, str]] = []
    if len(groups) == 3:
        readings.append((groups[0], groups[1], groups[2]))
    if len(groups) == 4 and groups[2] in ("19", "20") and len(groups[3]) == 2:
        readings.append((groups[0], groups[1], groups[2] + groups[3]))
    if len(groups) == 4 and re.fullmatch(r"[2-9]0", groups[2]) and re.fullmatch(r"[1-9]", groups[3]):
        readings.append((groups[0], groups[1], groups[2][0] + groups[3]))  # "seventy two" written "70 2"
    digits = "".join(groups)
    if len(digits) in (6, 8) and (all(len(g) <= 2 for g in groups) or len(groups) == 1):
        readings.append((digits[:2], digits[2:4], digits[4:]))
    if len(digits) == 4 and len(groups) == 1 and digits[:2] not in ("18", "19", "20"):  # not a year
        readings.append((digits[0], digits[1], digits[2:]))  # "seven nine seventy two" written "7972"
    if len(groups) == 2 and len(groups[0]) == 4 and re.fullmatch(r"(?:19|20)\d\d", groups[1]):
        readings.append((groups[0][:2], groups[0][2:], groups[1]))  # "ten twenty two, 1990" written "1022 1990"
    for first, second, year in readings:
        if len(first) > 2 or len(second) > 2 or len(year) not in (2, 4):
            continue
        born = _ordered(int(first), int(second), year, day_first, today)
        if born is not None:
            return born
    # "71269", "712 69"; not "712 19": half of "seven twelve nineteen sixty-nine"
    run_together = len(groups) == 1 or (len(groups) == 2 and len(groups[0]) == 3 and groups[1] not in ("19", "20")
                                         and len(groups[1]) in (2, 4))
    if len(digits) in (5, 7) and run_together:  # "7 12 69", "712 1969" so written: one digit of the two said alone
        dates = {_ordered(int(digits[:n]), int(digits[n:3]), digits[3:], day_first, today) for n in (1, 2)} - {None}
        if len(dates) == 1:  # "12569" may be 1/25 or 12/5: not guessed
            return dates.pop()
    return None


def _ordered(first: int, second: int, year: str, day_first: bool, today: date) -> date | None:
    month, day = (second, first) if day_first else (first, second)
    if month > 12 >= day:  # "25/12/1980" can only be day first
        month, day = day, month
    return _date(year, month, day, today)


def _date(year_said: str, month: int, day: int, today: date) -> date | None:
    year_said = year_said.replace(" ", "").lstrip("'")
    year = int(year_said)
    if len(year_said) <= 2:
        year = 2000 + year if 2000 + year <= today.year else 1900 + year
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today or today.year - born.year > OLDEST_YEARS:
        return None
    return born


def heard_alike(heard: str, on_file: str) -> bool:
    """Whether the date of birth `heard` (ISO) may be `on_file` misheard: the same, or a day
    recognisers confuse in the same month and year ("third", "thirteenth" and "thirtieth"; a
    day from the 3rd to the 9th and its teen: "sixth" and "sixteenth"; a day with "twenty" or
    "thirty" heard or lost: "April 22" for "April second", "first" and "thirty-first"). No date: no."""
    if not heard or not on_file:
        return False
    if heard == on_file:
        return True
    if heard[:8] != on_file[:8] or len(heard) != 10 or len(on_file) != 10:
        return False
    a, b = sorted((int(heard[8:]), int(on_file[8:])))
    return {a, b} <= {3, 13, 30} or (b - a == 10 and 3 <= a <= 9) or (b - a == 20 and a <= 9) or (a, b) == (1, 31)
