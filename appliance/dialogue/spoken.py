"""Numbers, dates and times as callers say them and as the agent should say them (pure).

Which library does what:
- `text2num` (`alpha2digit`) turns spoken numbers into digits: "twenty third" -> "23rd",
  "two thousand and five" -> "2005", "nine thirty" -> "9 30". Written here by hand, around
  it, is only what it does not do: "oh" as a zero inside a run of numbers ("nine oh five",
  "oh seven"), "double five" / "triple two", "o clock" (which it would read as a zero), and
  joining a year said in two pairs ("19 80" -> "1980").
- Times of day (`parse_clock`) are read by the rules below: no library reads "quarter to
  ten", "10ish" or the clinic's rule that "at 2" means the afternoon.
Phone numbers are in `phone` (the `phonenumbers` library), dates of birth in `birthdate`,
spelled names in `spelling`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time

from text_to_num import alpha2digit

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
DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
NUMBER_WORDS = (set(UNITS) - {"oh"}) | set(TENS) | set(ORDINALS) | {"hundred", "thousand"}
_REPEATS = {"double": 2, "triple": 3}
# the option a caller picks among those read out, by its place (as `words_to_digits` writes it)
ORDINAL_CHOICE = {"first": 0, "1st": 0, "earlier": 0, "earliest": 0, "second": 1, "2nd": 1, "third": 2,
                  "3rd": 2, "last": -1, "later": -1, "latest": -1,
                  **{f"{lead} {n}": n - 1 for lead in ("number", "option") for n in (1, 2, 3)}}  # as digits


def prepare_numbers(text: str) -> str:
    """Lower-case `text` and rewrite what text2num misreads or ignores (still words): 'oh' in a
    run of numbers -> 'zero', 'double five' -> 'five five', 'o clock' and '12 clock' -> "o'clock",
    'half pass', 'half pest' and 'f past' -> 'half past', 'half past Tuesday' -> 'half past two',
    'tenish' -> 'ten ish', hyphens between words or a number and a word -> spaces (not between
    digits: '1980-05-03' stays), a year whose last digit came
    hyphened ('1960-2', Whisper's 'nineteen sixty-two') -> '1962'."""
    t = text.lower().replace("\u2019", "'")
    t = re.sub(r"(?<![\d-])((?:1[89]|20)\d)0-([1-9])(?![\d-])", r"\g<1>\2", t)
    t = re.sub(r"(?<=[a-z])-(?=[a-z\d])|(?<=\d)-(?=[a-z])", " ", t)  # "12-o'clock", "f-pest 2"
    t = re.sub(r"\bo\s*'?\s*clock\b|\boclock\b|(?<=\d )clock\b", "o'clock", t)  # "12 clock" too
    # "half pass two", "half pest two", "f past two", as recognisers write them
    t = re.sub(r"\b(half|f|quarter|ten|twenty|five) (?:pass|pest|past)\b",
               lambda m: f"{'half' if m[1] == 'f' else m[1]} past", t)
    # "two" written as a weekday when the recogniser was told to expect days: "half past Tuesday"
    t = re.sub(r"\b(half past|quarter past|quarter to) tuesday\b|\btuesday (?=o'clock\b)",
               lambda m: f"{m[1]} two" if m[1] else "two ", t)
    t = re.sub(rf"\b({'|'.join(sorted(NUMBER_WORDS))})ish\b", r"\1 ish", t)
    tokens = list(re.finditer(r"[a-z']+|\d+", t))
    words = [m.group(0) for m in tokens]

    def joined(i: int, j: int) -> bool:  # tokens i and j with only blanks between ("oh, nine" is not)
        return 0 <= i and j < len(tokens) and not t[tokens[i].end():tokens[j].start()].strip()

    def number(i: int) -> bool:
        return 0 <= i < len(words) and (words[i] in NUMBER_WORDS or words[i].isdigit())

    run_end = list(range(len(words)))  # the last "oh" of a run of them: "oh oh one"
    for i in range(len(words) - 2, -1, -1):
        if words[i] in ("oh", "o") and words[i + 1] in ("oh", "o") and joined(i, i + 1):
            run_end[i] = run_end[i + 1]
    out, last = [], 0
    for i, match in enumerate(tokens):
        word, replacement = words[i], None
        if word in _REPEATS and i + 1 < len(words) and joined(i, i + 1) and (
                words[i + 1] in DIGIT_WORDS or re.fullmatch(r"\d", words[i + 1])):
            said = "zero" if words[i + 1] in ("oh", "o") else words[i + 1]
            replacement = " ".join([said] * (_REPEATS[word] - 1))
        elif word in ("oh", "o"):
            run = run_end[i]
            if (number(i - 1) and joined(i - 1, i)) or (number(run + 1) and joined(run, run + 1)):
                replacement = "zero"
        out.append(t[last:match.start()] + (replacement if replacement is not None else word))
        last = match.end()
    out.append(t[last:])
    return "".join(out)


def numerals(text: str) -> str:
    """Spoken numbers as digits, years left as said: 'nineteen eighty' -> '19 80', 'oh seven' -> '07'."""
    t = alpha2digit(prepare_numbers(text), "en", threshold=0)
    t = re.sub(r"(\d)\s*([ap])\.?\s?m\b\.?", r"\1 \2m", t)  # 2p.m. / 2 P.M. -> 2 pm
    return re.sub(r"\s+([,.?!])", r"\1", t)


def words_to_digits(text: str) -> str:
    """'nineteen eighty' -> '1980', 'twenty third' -> '23rd', 'two thirty' -> '2 30', lower case."""
    t = numerals(text)
    # "19 80" -> "1980" (years said as two pairs), "20 26" -> "2026"
    return re.sub(r"(?<![\d:.])\b(1[89]|20) ([0-9]{2})\b(?![:.]?\d)(?! ?(?:am|pm|o'?clock|ish))", r"\1\2", t)


def say_time(moment: datetime | time) -> str:
    """'9 in the morning', '2:30 in the afternoon', '12 noon'."""
    hour, minute = moment.hour, moment.minute
    if (hour, minute) == (12, 0):
        return "12 noon"
    clock = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute else "")
    part = "in the morning" if hour < 12 else "in the afternoon" if hour < 17 else "in the evening"
    return f"{clock} {part}"


def say_date(day: date, today: date) -> str:
    """'Tuesday, December 8th'; today and tomorrow say so first ('tomorrow, Thursday, December
    3rd'): a caller who misheard the day hears the weekday and the date too."""
    named = f"{WEEKDAYS[day.weekday()].capitalize()}, {MONTHS[day.month - 1].capitalize()} {ordinal(day.day)}"
    relative = {0: "today", 1: "tomorrow"}.get((day - today).days)
    return f"{relative}, {named}" if relative else named


def say_moment(moment: datetime, today: date) -> str:
    """'tomorrow, Thursday, December 3rd, at 9 in the morning'."""
    return f"{say_date(moment.date(), today)}, at {say_time(moment)}"


def ordinal(n: int) -> str:
    """1 -> '1st', 22 -> '22nd', 13 -> '13th'."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- times of day ------------------------------------------------------------------------------
_PM = r"(?:pm|in the afternoon|in the evening|at night|tonight|this afternoon|this evening|tomorrow afternoon" \
      r"|tomorrow evening)"
_AM = r"(?:am|in the morning|this morning|tomorrow morning)"
_NOT_IN_NUMBER_BEFORE = r"(?<!\d)(?<!\d )(?<!\d, )(?<!\d-)(?<![\d.:/])"
_NOT_IN_NUMBER_AFTER = r"(?!\d)(?! \d)(?!, \d)(?!-\d)(?![.:/]\d)"
_CUE_BEFORE = r"(?:at|around|about|say|till|until|by|after|before|from|between)"
_NOT_A_COUNT = r"(?! ?(?:people|persons?|kids|children|appointments?|of\b|more|weeks?|days?|months?|years?|hours?|" \
               r"minutes?|times?|patients?|teeth|tooth|fillings?|visits?|questions?|things?|dollars?|percent|%))"
_FILLER = re.compile(
    r"^(?:um+|uh+|er+|erm|hmm+|ok|okay|so|well|maybe|yes|yeah|yep|sure|how about|what about|let's say|"
    r"let's do|say|can i have|can we do|can i do|i'll take|i'd like|i would like|make it|let's go with|go with)\b"
    r"|\b(?:please|then|thanks|thank you|works|would work|would be good|would be great|is fine|is good|"
    r"is better|would be better|if possible|if you have it|if you can)$")


def _without_fillers(t: str) -> str:
    """`t` without the words around a bare answer: 'um, how about 10 please?' -> '10'."""
    t = re.sub(r"[^\w':]+", " ", t).strip()
    while True:
        shorter = _FILLER.sub("", t).strip()
        if shorter == t:
            return t
        t = shorter


_MINUTES_WORDS = {"quarter": 15, "half": 30}
# (pattern, reader -> (said hour, minutes to add)); tried in this order, first hit wins
_CLOCKS: list[tuple[str, Callable[[re.Match], tuple[int, int]]]] = [
    (r"\b(quarter|half|\d{1,2}) (?:minutes )?past (\d{1,2})\b",
     lambda m: (int(m[2]), _MINUTES_WORDS.get(m[1]) or int(m[1]))),
    (r"(?<!from )(?<!between )\b(quarter|\d{1,2}) (?:minutes )?(?:to|till|before) (\d{1,2})\b(?! ?(?:am|pm)? ?(?:and|to)\b)",
     lambda m: (int(m[2]), -(_MINUTES_WORDS.get(m[1]) or int(m[1])))),
    (r"\bhalf (\d{1,2})\b(?! (?:hour|minute|day|week|past))", lambda m: (int(m[1]), 30)),  # British "half nine"
    (_NOT_IN_NUMBER_BEFORE + r"\b(\d{1,2})(?::|\.(?=\d\d\b)| )(\d{2})\b" + _NOT_IN_NUMBER_AFTER,
     lambda m: (int(m[1]), int(m[2]))),
    (_NOT_IN_NUMBER_BEFORE + r"\b(\d{1,2})(?= ?(?:o'clock|am\b|pm\b|ish\b|in the|this|tonight|tomorrow))",
     lambda m: (int(m[1]), 0)),
    (rf"\b{_CUE_BEFORE} (\d{{1,2}})(\d{{2}})\b" + _NOT_IN_NUMBER_AFTER + _NOT_A_COUNT,
     lambda m: (int(m[1]), int(m[2]))),
    (_NOT_IN_NUMBER_BEFORE + r"\b(\d{1,2})(\d{2})(?= ?(?:o'clock|am\b|pm\b|in the|ish\b))",
     lambda m: (int(m[1]), int(m[2]))),
    (r"\b(?:at|around|about|say) (\d{1,2})\b" + _NOT_IN_NUMBER_AFTER + r"(?!st|nd|rd|th)" + _NOT_A_COUNT,
     lambda m: (int(m[1]), 0)),
]


def clock_span(text: str) -> tuple[time, int, int] | None:
    """The first time of day in `text` (already `words_to_digits`) and where it was said."""
    t = re.sub(r"\s+", " ", text.lower())
    noon = re.search(r"\b(?:12 )?(?:noon|midday)\b", t)
    if noon:
        return time(12, 0), noon.start(), noon.end()
    for pattern, read in _CLOCKS:
        for match in re.finditer(pattern, t):
            found = _clock(t, match, *read(match))
            if found is not None:
                return found, match.start(), match.end()
    short = len(t) <= 80  # a bare answer is short
    alone = short and re.fullmatch(r"(?:at |around |about |the )?(\d{1,2})(\d{2})?(?: ?ish)?", _without_fillers(t))
    if alone and 1 <= int(alone[1]) <= 12 and int(alone[2] or 0) <= 59:  # the whole answer: "10", "930"
        found = _clock(t, alone, int(alone[1]), int(alone[2] or 0))
        if found is not None:
            return found, t.find(alone[0]), t.find(alone[0]) + len(alone[0])
    return None


def _clock(t: str, match: re.Match, hour: int, minutes: int) -> time | None:
    if not (0 <= hour <= 23) or not (-59 <= minutes <= 59):
        return None
    if hour == 0 and minutes <= 0:
        return None
    after = re.sub(r"^\s*o'clock", "", t[match.end():match.end() + 40])
    before = t[max(0, match.start() - 30):match.start()]
    if hour <= 12:
        if re.match(rf"\s*{_PM}", after):
            hour = hour + 12 if hour < 12 else 12
        elif re.match(rf"\s*{_AM}", after):
            hour = 0 if hour == 12 else hour
        elif re.search(r"\b(?:evening|tonight)\b", t) and 5 <= hour <= 11:
            hour += 12  # "this evening at 7"
        elif 1 <= hour <= 6 and not re.search(r"\bmorning\b", before + after):
            hour += 12  # "at 2" (or "tomorrow afternoon at 2") in a clinic means the afternoon
    total = hour * 60 + minutes
    if not 0 <= total < 24 * 60:
        return None
    return time(total // 60, total % 60)


def parse_clock(text: str) -> time | None:
    """A time of day in `text` (words or digits): 'nine thirty', '930' (as a whole answer or 'at
    930'), '9:30', 'half past nine', 'quarter to ten', 'two pm', '2 p.m.', 'around ten', '10ish',
    "ten o'clock", 'noon'. 1 to 6 without am/pm or 'morning' is the afternoon (a clinic)."""
    found = clock_span(words_to_digits(text))
    return found[0] if found else None


def ordinal_choice(lowered: str, count: int) -> int | None:
    """The index 'first', '2nd', 'last', 'earlier'... point to among `count` options (-1: the
    last), or None (also when it points past them: "the third" of two is asked again)."""
    index = next((index for word, index in ORDINAL_CHOICE.items() if re.search(rf"\b{word}\b", lowered)), None)
    return index if index is not None and -count <= index < count else None
