"""Phone numbers as callers say them, and as the agent reads them back (pure).

Which library does what: `phonenumbers` (Google's libphonenumber) decides what a number is:
the country code, the national prefix, whether a run of digits is a possible or a valid
number, E.164 and the national grouping read back. Written here by hand is only turning the
words into digits: "five five five", "oh" and "o" for zero, "double five", "triple two",
"fifty five" and "eight hundred" (text2num would read "eight hundred five five five" as "805 5
5", so it is not used for numbers said digit by digit), "plus" for "+", and "to" before digits
for "two" where the number is no number without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumberFormat

_DIGITS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "naught": "0", "one": "1", "two": "2", "three": "3",
           "four": "4", "for": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_TEENS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
          "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19"}
_TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8",
         "ninety": "9"}
_REPEATS = {"double": 2, "triple": 3}
# what may stand between the groups of one number as said or written
_JOINERS = {"", ",", "-", ".", "(", ")", "/", "dash", "and"}
_TO_TWO = re.compile(r"\bto{1,2}\b(?=[\s,-]*\d)", re.IGNORECASE)  # "to"/"too" before digits, read as "two" if need be
LOCAL_ONLY = phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY  # a number without its area code
REPEATED = re.compile(r"(\d)\1{3,}")  # one digit four times or more
_TOKEN = re.compile(r"\+|\d+|[a-z']+|[^\sa-z\d+']", re.IGNORECASE)


@dataclass
class Run:
    """Digits said together (a number, or numbers said one after another), where they stand in
    the text, and the groups they were said in ('4111 1111' is two groups, 'four one one one'
    one: a group ends at a joiner and around digits written as digits)."""

    digits: str  # '+' kept at its start
    start: int
    end: int
    groups: list[str] = field(default_factory=list)


def said_runs(text: str) -> list[Run]:
    """The runs of digits said or written in `text`."""
    tokens = list(_TOKEN.finditer(text))
    runs: list[Run] = []
    current: Run | None = None
    numeral = False  # the last token taken was written as digits
    joined = True  # a joiner stood since the last digits
    i = 0
    while i < len(tokens):
        match = tokens[i]
        token = match.group().lower().replace("'", "")
        nxt = tokens[i + 1].group().lower().replace("'", "") if i + 1 < len(tokens) else ""
        digits = current.digits if current is not None else ""
        said = None
        end = match.end()
        if token.isdigit():
            said = token
        elif token in ("+", "plus") and (nxt.isdigit() or nxt in _DIGITS or nxt in _TEENS or nxt in _TENS):
            if current is not None and current.digits != "+":
                runs.append(current)
            current, said, joined = Run("+", match.start(), end), "", True
        elif token in _REPEATS and (nxt in _DIGITS or re.fullmatch(r"\d", nxt)):
            said = (_DIGITS.get(nxt) or nxt) * _REPEATS[token]
            i, end = i + 1, tokens[i + 1].end()
        elif token in _TENS:
            unit = _DIGITS.get(nxt) if nxt not in ("zero", "oh", "o", "nought", "naught", "for") else None
            said = _TENS[token] + (unit or "0")
            if unit:
                i, end = i + 1, tokens[i + 1].end()
        elif token in _TEENS:
            said = _TEENS[token]
        elif token in ("hundred", "thousand") and digits and digits != "+":
            said = "00" if token == "hundred" else "000"
        elif token in _DIGITS and (token not in ("o", "for") or digits):
            said = _DIGITS[token]
        if said is not None:
            if current is None:
                current = Run("", match.start(), end)
            if said and (joined or numeral or token.isdigit() or not current.groups):
                current.groups.append("")
            current.digits += said
            current.end = end
            if said:
                current.groups[-1] += said
                numeral, joined = token.isdigit(), False
        elif token in _JOINERS and current is not None:
            joined = joined or bool(token)
        elif token not in _JOINERS and current is not None:
            if current.digits != "+":
                runs.append(current)
            current = None
        i += 1
    if current is not None and current.digits != "+":
        runs.append(current)
    return runs


def _runs(text: str) -> list[str]:
    """The runs of digits said or written in `text`, each as one string ('+' kept at its start)."""
    return [run.digits for run in said_runs(text)]


def parse_phone(text: str, region: str = "US", valid_only: bool = False, area: str = "") -> str | None:
    """The phone number said or written in `text`, as E.164 ('+15551234567'), or None.

    'five five five, one two three, four five six seven', '555-123-4567', '(555) 123 4567',
    'oh two oh seven nine four six oh oh one one' (region GB), 'double five', 'plus four four...'.
    A number must be possible for its country (phonenumbers: the right length); a number dialled
    only locally ('five five five, nine eight seven six' in the US), the only one said and ending
    in a group of four or more, takes the `area` code when one is given and the whole is then a
    valid number ('1 2 3 4 5 6 7' is none: no exchange starts with 1), else it is none. Valid
    ones (an assigned area code) are preferred, and with `valid_only` required (the US 555
    numbers of films and tests are possible but not valid)."""
    candidates: list[phonenumbers.PhoneNumber] = []
    runs = said_runs(text)
    for run in runs:
        local = area and len(runs) == 1 and (  # not "eight four seven, five five five, one"
            len(run.groups[-1]) >= 4 or all(len(group) == 1 for group in run.groups))  # "5 5 5 9 8 7 6": unknown
        for digits in _pieces(run.digits):
            try:
                number = phonenumbers.parse(digits, region)
                if local and phonenumbers.is_possible_number_with_reason(number) == LOCAL_ONLY:
                    number = phonenumbers.parse(area + digits, region)
                    if not phonenumbers.is_valid_number(number):  # "123 4567" is no local number here
                        continue
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE:
                candidates.append(number)
                break
    valid = [n for n in candidates if phonenumbers.is_valid_number(n)]
    chosen = valid or ([] if valid_only else candidates)
    if not chosen and _TO_TWO.search(text):  # "my number is to 1-2-5-5-5-0198": "two" heard "to"
        return parse_phone(_TO_TWO.sub("two", text), region, valid_only, area)
    return phonenumbers.format_number(chosen[0], PhoneNumberFormat.E164) if chosen else None


def area_code(number: str, region: str) -> str:
    """The area code of `number` (E.164) when it is a number of `region`'s country, else ''."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return ""
    if parsed.country_code != phonenumbers.country_code_for_region(region):
        return ""
    return phonenumbers.national_significant_number(parsed)[:phonenumbers.length_of_geographical_area_code(parsed)]


def partial_number(text: str, region: str = "US") -> bool:
    """The last digits said in `text` are the start of a phone number, too short to be one yet
    ('two one two, five five five' and the caller pauses), or a number only dialled locally (the
    area code may follow, or the rest: '847, five five five five' is seven digits)."""
    runs = _runs(text)
    if not runs:
        return False
    try:
        number = phonenumbers.parse(runs[-1], region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number_with_reason(number) in (phonenumbers.ValidationResult.TOO_SHORT, LOCAL_ONLY)


def _pieces(run: str) -> list[str]:
    """A run as said, then with one digit fewer in each run of four or more of one digit (the
    recogniser writes "five five five, nine eight seven six" as '5555 9876'), then (when longer
    than any number) its last 15, 11 and 10 digits: 'my number is 2 5 5 5 1 2 3 4 5 6 7' after
    'I have 2 kids' should still find the number. The first possible one is taken."""
    pieces = [run, *(run[:repeat.start()] + run[repeat.start() + 1:] for repeat in REPEATED.finditer(run))]
    if len(run.lstrip("+")) > 15:
        pieces += [run[-15:], run[-11:], run[-10:]]
    return pieces


def spoken_digits(number: str, region: str = "US") -> str:
    """A number to read back digit by digit in its national groups: '+15551234567' -> '5 5 5, 1
    2 3, 4 5 6 7'; '+442079460011' -> '0 2 0, 7 9 4 6, 0 0 1 1'. A number of another country
    keeps its country code ('plus 4 4, 2 0, ...' when the region is US)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        same_country = phonenumbers.region_code_for_number(parsed) == region or \
            parsed.country_code == phonenumbers.country_code_for_region(region)
        formatted = phonenumbers.format_number(
            parsed, PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL)
        groups = re.findall(r"\+?\d+", formatted)
    else:
        digits = re.sub(r"\D", "", number)
        groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return ", ".join(("plus " if group.startswith("+") else "") + " ".join(group.lstrip("+"))
                     for group in groups if group.strip("+"))
