"""Numbers, dates and times as callers say them and as the agent should say them (pure)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

UNITS = {"zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
            "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
            "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def words_to_digits(text: str) -> str:
    """'nineteen eighty' -> '1980', 'twenty third' -> '23rd', 'two thirty' -> '2 30'."""
    tokens = re.findall(r"\d+(?:st|nd|rd|th)\b|[a-z']+|\d+|[^\sa-z\d]", text.lower().replace("-", " "))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in TENS and (nxt in UNITS and UNITS[nxt] < 10 and nxt not in ("zero", "oh")):
            out.append(str(TENS[token] + UNITS[nxt]))
            i += 2
            continue
        if token in TENS and nxt in ORDINALS and ORDINALS[nxt] < 10:
            out.append(ordinal(TENS[token] + ORDINALS[nxt]))
            i += 2
            continue
        if token in ORDINALS:
            out.append(ordinal(ORDINALS[token]))
        elif token in UNITS:
            out.append(str(UNITS[token]))
        elif token in TENS:
            out.append(str(TENS[token]))
        else:
            out.append(token)
        i += 1
    text = " ".join(out)
    # "19 80" -> "1980" (years said as two pairs), "20 26" -> "2026"
    text = re.sub(r"\b(1[89]|20) ([0-9]{2})\b(?! ?(?:am|pm|o'?clock))", r"\1\2", text)
    return re.sub(r"\s+([,.?!])", r"\1", text)


def say_time(moment: datetime) -> str:
    """'9 in the morning', '2:30 in the afternoon', '12 noon'."""
    hour, minute = moment.hour, moment.minute
    if (hour, minute) == (12, 0):
        return "12 noon"
    clock = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute else "")
    part = "in the morning" if hour < 12 else "in the afternoon" if hour < 17 else "in the evening"
    return f"{clock} {part}"


def say_date(day: date, today: date) -> str:
    """'today', 'tomorrow', 'Tuesday the 8th of December'."""
    if day == today:
        return "today"
    if (day - today).days == 1:
        return "tomorrow"
    return f"{WEEKDAYS[day.weekday()].capitalize()} the {ordinal(day.day)} of {MONTHS[day.month - 1].capitalize()}"


def say_moment(moment: datetime, today: date) -> str:
    """'tomorrow at 9 in the morning'."""
    return f"{say_date(moment.date(), today)} at {say_time(moment)}"


def ordinal(n: int) -> str:
    """1 -> '1st', 22 -> '22nd', 13 -> '13th'."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def parse_clock(text: str) -> time | None:
    """A time of day in `text` (digits already): '2 30 pm', 'half past 2', 'quarter to 5', 'noon'."""
    t = text.lower()
    if re.search(r"\bnoon\b|\bmidday\b", t):
        return time(12, 0)
    patterns = [
        (r"\bhalf past (\d{1,2})\b", lambda m: (int(m[1]), 30)),
        (r"\bquarter past (\d{1,2})\b", lambda m: (int(m[1]), 15)),
        (r"\bquarter to (\d{1,2})\b", lambda m: (int(m[1]) - 1, 45)),
        (r"\b(\d{1,2})[: ](\d{2})\b", lambda m: (int(m[1]), int(m[2]))),
        (r"\b(\d{1,2}) ?(?:o'?clock|am|pm|a\.m\.|p\.m\.|in the|this|tomorrow)", lambda m: (int(m[1]), 0)),
        (r"\bat (\d{1,2})\b", lambda m: (int(m[1]), 0)),
    ]
    for pattern, read in patterns:
        match = re.search(pattern, t)
        if match:
            hour, minute = read(match)
            if not (0 <= hour <= 23 and 0 <= minute <= 59):
                return None
            after = t[match.end():match.end() + 20]
            if re.match(r"\s*(pm|p\.m\.|in the afternoon|in the evening)", after) and hour < 12:
                hour += 12
            elif not re.match(r"\s*(am|a\.m\.|in the morning)", after) and 1 <= hour <= 6:
                hour += 12  # "at 2" in a clinic means the afternoon
            return time(hour, minute)
    return None
