"""Slot readers against the ways callers say things and recognisers write them (pure, fast)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from appliance.dialogue.birthdate import parse_date_of_birth
from appliance.dialogue.phone import area_code, parse_phone, spoken_digits
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.spoken import MONTHS, parse_clock, say_time, words_to_digits
from appliance.dialogue.when import HORIZON_DAYS, parse_when
from tests.dialogue.clinic import NOW, TZ

TODAY = NOW.date()  # Wednesday 2 December 2026, 10:00
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINAL_ONES = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                "eighteenth", "nineteenth"]


def number_words(n: int) -> str:
    """0..99 as said: 'forty two'."""
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + (f" {ONES[n % 10]}" if n % 10 else "")


def ordinal_words(n: int) -> str:
    """1..31 as said: 'twenty third', 'thirtieth'."""
    if n < 20:
        return ORDINAL_ONES[n]
    if n % 10 == 0:
        return TENS[n // 10][:-1] + "ieth"
    return f"{TENS[n // 10]} {ORDINAL_ONES[n % 10]}"


def year_words(year: int, style: int = 0) -> str:
    """1980 -> 'nineteen eighty', 1905 -> 'nineteen oh five', 2005 -> 'two thousand and five' or 'twenty oh five'."""
    high, low = divmod(year, 100)
    if year >= 2000 and (style % 2 == 0 or low == 0) and low < 10:
        return "two thousand" + (f" and {ONES[low]}" if low else "")
    if low == 0:
        return f"{number_words(high)} hundred"
    return f"{number_words(high)} {'oh ' + ONES[low] if low < 10 else number_words(low)}"


# --- times ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("said, expected", [
    ("nine thirty", time(9, 30)), ("930", time(9, 30)), ("at 930", time(9, 30)), ("9:30", time(9, 30)),
    ("half past nine", time(9, 30)), ("quarter to ten", time(9, 45)), ("quarter past two", time(14, 15)),
    ("nine thirty in the morning", time(9, 30)), ("two pm", time(14, 0)), ("2 p.m.", time(14, 0)),
    ("2pm", time(14, 0)), ("2:30pm", time(14, 30)), ("9.30am", time(9, 30)), ("around ten", time(10, 0)),
    ("10ish", time(10, 0)), ("tenish", time(10, 0)), ("ten o'clock", time(10, 0)), ("ten o clock", time(10, 0)),
    ("noon", time(12, 0)), ("twelve noon", time(12, 0)), ("midday", time(12, 0)), ("at 2", time(14, 0)),
    ("at two", time(14, 0)), ("four", time(16, 0)), ("um, how about ten please?", time(10, 0)),
    ("1030 am", time(10, 30)), ("seven in the evening", time(19, 0)), ("this evening at 7", time(19, 0)),
    ("tomorrow morning at 6", time(6, 0)), ("twenty past nine", time(9, 20)), ("five to ten", time(9, 55)),
    ("half nine", time(9, 30)), ("quarter to one", time(12, 45)), ("nine oh five", time(9, 5)),
    ("12 30", time(12, 30)), ("three in the afternoon", time(15, 0)), ("ten fifteen tomorrow", time(10, 15)),
    ("whenever", None), ("the first one", None), ("after 4", None), ("from 9 to 11", None),
    ("555 930 1234", None), ("my number is 555 123 4567", None), ("the 3rd", None), ("at 1st", None),
])
def test_times_as_callers_say_them(said, expected):
    assert parse_clock(said) == expected
    assert parse_clock(words_to_digits(said)) == expected  # the callers' way: digits first


@pytest.mark.parametrize("heard, expected", [
    ("The 12-clock one, please.", time(12, 0)), ("The 12-O'clock one, please.", time(12, 0)),
    ("Monday at F past two.", time(14, 30)), ("Monday at F-pest 2.", time(14, 30)),
    ("Wednesday, around half-pest-two.", time(14, 30)), ("quarter pass ten", time(10, 15)),
    ("I have past appointments at the clinic", None), ("the clock", None),
])
def test_times_as_recognisers_write_them(heard, expected):
    assert parse_clock(heard) == expected


def test_words_to_digits_keeps_its_readings():
    assert words_to_digits("nineteen oh five") == "1905"
    assert words_to_digits("oh seven twelve nineteen sixty nine") == "07 12 1969"
    assert words_to_digits("two thousand and five") == "2005"
    assert words_to_digits("Oh, nine thirty") == "oh, 9 30"  # "oh," is not a zero
    assert words_to_digits("1980-05-03") == "1980-05-03"
    assert words_to_digits("double five") == "5 5"


@FAST
@given(st.integers(0, 23), st.integers(0, 59))
def test_a_time_said_by_the_agent_reads_back_as_itself(hour, minute):
    moment = datetime(2026, 12, 3, hour, minute)
    assert parse_clock(say_time(moment)) == time(hour, minute)


@FAST
@given(st.integers(1, 12), st.integers(0, 59), st.sampled_from(["am", "pm", "a.m.", "p.m.", "in the morning"]))
def test_a_time_said_in_words_reads_back(hour, minute, part):
    said = f"{number_words(hour)} {'oh ' + ONES[minute] if 0 < minute < 10 else number_words(minute) if minute else ''}"
    expected_hour = hour % 12 + (12 if part.startswith("p") else 0)
    assume(not (part == "in the morning" and hour == 12))
    assert parse_clock(f"{said} {part}") == time(expected_hour, minute)


# --- days ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("said, first, last, hours, exact", [
    ("next Tuesday afternoon", date(2026, 12, 8), date(2026, 12, 8), (12, 17), None),
    ("Friday", date(2026, 12, 4), date(2026, 12, 4), (0, 24), None),
    ("this Friday", date(2026, 12, 4), date(2026, 12, 4), (0, 24), None),
    ("this Wednesday", date(2026, 12, 2), date(2026, 12, 2), (0, 24), None),
    ("Wednesday", date(2026, 12, 9), date(2026, 12, 9), (0, 24), None),
    ("a week from Monday", date(2026, 12, 14), date(2026, 12, 14), (0, 24), None),
    ("Monday week", date(2026, 12, 14), date(2026, 12, 14), (0, 24), None),
    ("a week from today", date(2026, 12, 9), date(2026, 12, 9), (0, 24), None),
    ("the first of December", date(2027, 12, 1), date(2027, 12, 1), (0, 24), None),
    ("the first of January", date(2027, 1, 1), date(2027, 1, 1), (0, 24), None),
    ("December 3rd", date(2026, 12, 3), date(2026, 12, 3), (0, 24), None),
    ("Dec. 3rd", date(2026, 12, 3), date(2026, 12, 3), (0, 24), None),
    ("December the fifteenth", date(2026, 12, 15), date(2026, 12, 15), (0, 24), None),
    ("tomorrow morning", date(2026, 12, 3), date(2026, 12, 3), (8, 12), None),
    ("any time after four", date(2026, 12, 2), date(2026, 12, 16), (16, 24), None),
    ("after 4 pm", date(2026, 12, 2), date(2026, 12, 16), (16, 24), None),
    # "four" heard as "for", alone after a bound
    ("Thursday, anytime, after, for", date(2026, 12, 3), date(2026, 12, 3), (16, 24), None),
    ("before for pm", date(2026, 12, 2), date(2026, 12, 16), (0, 16), None),
    ("after, for example, Thursday", date(2026, 12, 3), date(2026, 12, 3), (0, 24), None),
    ("Friday, I'll come by for, uh, a cleaning", date(2026, 12, 4), date(2026, 12, 4), (0, 24), None),
    ("Friday, after, 4", date(2026, 12, 4), date(2026, 12, 4), (16, 24), None),
    ("before ten", date(2026, 12, 2), date(2026, 12, 16), (0, 10), None),
    ("between two and four", date(2026, 12, 2), date(2026, 12, 16), (14, 16), None),
    ("after lunch on Friday", date(2026, 12, 4), date(2026, 12, 4), (13.5, 24), None),
    ("early next week", date(2026, 12, 7), date(2026, 12, 9), (0, 24), None),
    ("later next week", date(2026, 12, 10), date(2026, 12, 13), (0, 24), None),
    ("next week", date(2026, 12, 7), date(2026, 12, 13), (0, 24), None),
    ("in two weeks", date(2026, 12, 14), date(2026, 12, 20), (0, 24), None),
    ("this weekend", date(2026, 12, 5), date(2026, 12, 6), (0, 24), None),
    ("tomorrow at nine thirty", date(2026, 12, 3), date(2026, 12, 3), (0, 24), time(9, 30)),
    ("tomorrow around ten", date(2026, 12, 3), date(2026, 12, 3), (9, 11), None),
    ("Friday at 10ish", date(2026, 12, 4), date(2026, 12, 4), (9, 11), None),
    ("Tuesday the 8th at 10", date(2026, 12, 8), date(2026, 12, 8), (0, 24), time(10, 0)),
    ("tonight at 7", date(2026, 12, 2), date(2026, 12, 2), (17, 21), time(19, 0)),
    ("the 3rd at half past two", date(2026, 12, 3), date(2026, 12, 3), (0, 24), time(14, 30)),
    # a date of birth in the request is no wish; a date's year is no time
    ("Hi, this is Robert Chen, born June 5, 1982, and I'd like a check-up next Friday morning.",
     date(2026, 12, 4), date(2026, 12, 4), (8, 12), None),
    ("born the third of May nineteen seventy five, Thursday please", date(2026, 12, 3), date(2026, 12, 3),
     (0, 24), None),
    ("January 4th, 2027 in the morning", date(2027, 1, 4), date(2027, 1, 4), (8, 12), None),
])
def test_days_as_callers_say_them(said, first, last, hours, exact):
    when = parse_when(said, NOW)
    assert (when.first, when.last, (when.from_hour, when.to_hour), when.exact) == (first, last, hours, exact)


@pytest.mark.parametrize("said", ["Next, choose the afternoon", "To the morning, if there is a slot.",
                                  "No, to be afternoon.", "Tues the evening"])
def test_tuesday_heard_as_two_words_before_a_part_of_the_day_is_tuesday(said):
    when = parse_when(said, NOW)
    assert when.named_day and when.first == when.last == date(2026, 12, 8) and when.first.weekday() == 1


@pytest.mark.parametrize("said, exact, day", [
    ("Thursday at half past Tuesday.", time(14, 30), date(2026, 12, 3)), ("The Tuesday o'clock one", time(14, 0), None),
    ("Can we move it to Tuesday?", None, date(2026, 12, 8)), ("quarter to Tuesday on Friday", time(13, 45), None),
    ("Could we move the ten to Tuesday?", None, date(2026, 12, 8)),
])
def test_two_heard_as_tuesday_in_a_time_is_two(said, exact, day):
    when = parse_when(said, NOW)
    assert when.exact == exact and (day is None or when.first == day)


@pytest.mark.parametrize("said", ["I'd like to come to the clinic in the morning",
                                  "from 2 to the end of the afternoon", "Can we move it to the afternoon?",
                                  "It has to be morning.", "from noon to the evening"])
def test_to_the_before_other_words_is_no_day(said):
    assert not parse_when(said, NOW).named_day


@pytest.mark.parametrize("said", ["afternoon", "in the morning please", "lunchtime"])
def test_a_part_of_the_day_without_a_day_is_never_silently_today(said):
    when = parse_when(said, NOW)
    assert when is not None and not when.named_day
    assert when.first == TODAY + timedelta(days=1) and when.last == TODAY + timedelta(days=HORIZON_DAYS)
    assert not when.allows(datetime(2026, 12, 2, 13, 0, tzinfo=TZ))


def test_a_time_without_a_day_is_not_one_within_the_next_hour():
    when = parse_when("at 10 30", NOW)
    assert when.exact == time(10, 30) and not when.named_day
    assert not when.allows(datetime(2026, 12, 2, 10, 30, tzinfo=TZ))
    assert when.allows(datetime(2026, 12, 3, 10, 30, tzinfo=TZ))
    assert parse_when("at 2", NOW).allows(datetime(2026, 12, 2, 14, 0, tzinfo=TZ))  # later today is fine
    soon = parse_when("as soon as possible", NOW)
    assert soon.first == TODAY and not soon.allows(datetime(2026, 12, 2, 10, 30, tzinfo=TZ))
    assert soon.allows(datetime(2026, 12, 2, 11, 30, tzinfo=TZ))


def test_a_named_day_corrects_the_days_and_drops_the_next_hour_rule():
    before = parse_when("at 10 30", NOW)
    after = before.merged(parse_when("no, tomorrow", NOW))
    assert after.first == after.last == date(2026, 12, 3) and after.not_before is None


def test_a_time_said_outside_the_part_of_the_day_kept_drops_it():
    # "...calling to book tonight" (for "book that"), then "Friday at 11": Friday at 5 pm was offered
    after = parse_when("I'm calling to book tonight", NOW).merged(parse_when("No. Friday at 11.", NOW))
    assert (after.first, after.from_hour, after.to_hour, after.exact) == (date(2026, 12, 4), 0.0, 24.0, time(11, 0))
    kept = parse_when("tomorrow morning", NOW).merged(parse_when("no, at 10", NOW))
    assert (kept.first, kept.from_hour, kept.to_hour, kept.exact) == (date(2026, 12, 3), 8.0, 12.0, time(10, 0))


@FAST
@given(st.integers(0, 60), st.sampled_from(["", "the "]))
def test_a_month_and_day_said_in_words_is_that_day(ahead, article):
    day = TODAY + timedelta(days=ahead)
    when = parse_when(f"{MONTHS[day.month - 1]} {article}{ordinal_words(day.day)}", NOW)
    assert when.first == when.last == day


# --- dates of birth -----------------------------------------------------------------------------
@pytest.mark.parametrize("said, day_first, born", [
    ("January first nineteen eighty", False, date(1980, 1, 1)),
    ("Jan. 1, 1980.", False, date(1980, 1, 1)),
    ("the third of May 1975", False, date(1975, 5, 3)),
    ("May 3rd, 75", False, date(1975, 5, 3)),
    ("3 May 1975", False, date(1975, 5, 3)),
    ("1/1/1980", False, date(1980, 1, 1)),
    ("7/9/72", False, date(1972, 7, 9)),
    ("7/9/72", True, date(1972, 9, 7)),
    ("07-09-1972", False, date(1972, 7, 9)),
    ("25/12/1980", False, date(1980, 12, 25)),  # only a day can be 25
    ("1980-05-03", True, date(1980, 5, 3)),
    ("June 30th, 1960-2.", False, date(1962, 6, 30)),  # "nineteen sixty-two" as Whisper wrote it
    ("712-69", False, date(1969, 7, 12)),  # "seven twelve sixty nine" grouped like a phone number
    ("3 8 60 4", False, date(1964, 3, 8)),  # "three eight sixty four", the year's tens and units apart
    ("12 3 19 85", False, date(1985, 12, 3)),
    ("No. 07-1269.", False, date(1969, 7, 12)),
    ("212-555-0198", False, None),
    ("oh seven twelve nineteen sixty nine", False, date(1969, 7, 12)),
    ("oh seven twelve nineteen sixty nine", True, date(1969, 12, 7)),
    ("seven nine seventy two", False, date(1972, 7, 9)),
    ("seven nineteen seventy two", False, date(1972, 7, 19)),
    ("zero seven one two one nine six nine", False, date(1969, 7, 12)),
    ("07121969", False, date(1969, 7, 12)),
    ("71269.", False, date(1969, 7, 12)),  # "seven twelve sixty nine", written as one number
    ("7121969", False, date(1969, 7, 12)),
    ("12569", False, None),  # January 25th or December 5th: not guessed
    ("Of 812, 73.", False, date(1973, 8, 12)),  # "oh eight, twelve, seventy three": month and day run together
    ("112, 1970", False, None),  # January 12th or November 2nd
    ("1022 1990.", False, date(1990, 10, 22)),  # "ten twenty two, nineteen ninety": month and day run together
    ("712 1969", False, date(1969, 7, 12)),
    ("My birth date is the 19th, the February 1975.", False, date(1975, 2, 19)),  # "of" heard "the"
    ("712, 19", False, None),  # half of "seven twelve nineteen sixty-nine"
    ("March 2nd, 11th.", False, None),  # an ordinal is no year
    ("55512", False, None),
    ("Yeah, it's the 3rd of May, 1975, thanks", False, date(1975, 5, 3)),
    ("I was born on the twenty third of august nineteen ninety one", False, date(1991, 8, 23)),
    ("July ninth, seventy-two", False, date(1972, 7, 9)),
    ("May third, two thousand and five", False, date(2005, 5, 3)),
    ("March 4th, oh five", False, date(2005, 3, 4)),
    ("nineteen seventy two", False, None),
    ("seventy two", False, None),
    ("February 30th 1980", False, None),
    ("December 5th 2030", False, None),  # the future
    ("March 3rd 1890", False, None),  # over 120 years ago
    ("The 2nd of April, 1900, 64.", False, date(1964, 4, 2)),  # Whisper's "nineteen sixty-four"
    ("April, 2nd, 1900, 1990.", False, date(1990, 4, 2)),  # "nineteen" said apart, then the year
    ("The third of May, 1,970.", False, date(1970, 5, 3)),  # the year written as a number
    ("The 20th and the August, 1900 91.", False, None),  # "twenty second of August": no 19th of August
    ("April 2nd, nineteen hundred, nineteen ninety", False, date(1990, 4, 2)),
    ("The first on March, 1983.", False, date(1983, 3, 1)),  # "of" heard "on"
    ("4 July, 19th, 1980.", False, date(1980, 7, 4)),  # "nineteen" written as a day, then the year
    ("May 2nd, 20th, 2001", False, date(2001, 5, 2)),
    ("October 1st, 1980, too.", False, date(1982, 10, 1)),  # "eighty-two", its two written apart
    ("the 5th of May 1970 5", False, date(1975, 5, 5)),
    ("May 3rd, 1970, and it's my birthday", False, date(1970, 5, 3)),
    ("July 19th, 1980", False, date(1980, 7, 19)),
    ("the 19th of July, 1980", False, date(1980, 7, 19)),
    ("April 2nd 1900", False, None),
    ("soon", False, None),
])
def test_dates_of_birth_as_callers_say_them(said, day_first, born):
    assert parse_date_of_birth(said, day_first, TODAY) == born


@FAST
@given(st.dates(date(1907, 1, 1), TODAY), st.integers(0, 1), st.booleans())
def test_a_date_of_birth_said_in_words_is_that_date(born, style, day_first):
    said = f"{MONTHS[born.month - 1]} {ordinal_words(born.day)} {year_words(born.year, style)}"
    assert parse_date_of_birth(said, day_first, TODAY) == born
    said = f"the {ordinal_words(born.day)} of {MONTHS[born.month - 1]}, {year_words(born.year, style)}"
    assert parse_date_of_birth(said, day_first, TODAY) == born


@FAST
@given(st.dates(date(1907, 1, 1), TODAY), st.booleans(), st.sampled_from(["/", "-", "."]))
def test_a_date_of_birth_written_in_figures_is_that_date(born, day_first, sep):
    first, second = (born.day, born.month) if day_first else (born.month, born.day)
    assert parse_date_of_birth(f"{first}{sep}{second}{sep}{born.year}", day_first, TODAY) == born


# --- phone numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize("said, region, e164", [
    ("five five five, one two three, four five six seven", "US", "+15551234567"),
    ("555 123 4567", "US", "+15551234567"),
    ("555-123-4567", "US", "+15551234567"),
    ("(212) 555-0100", "US", "+12125550100"),
    ("my number is two one two, five five five, oh one hundred. Thanks!", "US", "+12125550100"),
    ("double five five, one two three, four five six seven", "US", "+15551234567"),
    ("one eight hundred five five five one two one two", "US", "+18005551212"),
    ("+15551234567", "US", "+15551234567"),
    ("oh two oh seven nine four six oh oh one one", "GB", "+442079460011"),
    ("plus four four two oh seven nine four six oh oh one one", "US", "+442079460011"),
    ("It's Paul Weir, my number is to 1-2-5-5-5-0147.", "US", "+12125550147"),  # "two" heard "to"
    ("Send it to 212-555-0198.", "US", "+12125550198"),
    ("It's 5555 123 4567.", "US", "+15551234567"),  # "five five five" written with a five too many
    ("2125555 0198", "US", "+12125550198"),
    ("212 555 5555", "US", "+12125555555"),  # four of a digit said: kept when that is a number
    ("from 9 to 5", "US", None),
    ("I want to book tomorrow at 2", "US", None),
    ("one two three", "US", None),
    ("call me back", "US", None),
])
def test_phone_numbers_as_callers_say_them(said, region, e164):
    assert parse_phone(said, region) == e164


def test_only_valid_numbers_when_asked():
    assert parse_phone("555 123 4567", valid_only=True) is None  # 555: possible, not assigned
    assert parse_phone("212 555 0100", valid_only=True) == "+12125550100"


def test_a_number_dialled_locally_takes_the_area_code_given():
    assert parse_phone("five five five, nine eight seven six", area="212") == "+12125559876"
    assert parse_phone("five five five, nine eight seven six") is None  # no area code to give it
    assert parse_phone("four one five, five five five, nine eight seven six", area="212") == "+14155559876"
    assert parse_phone("eight four seven, five five five, one", area="212") is None  # the end of it missing
    assert parse_phone("5 5 5 9 8 7 6", area="212") == "+12125559876"  # digits written one by one: no groups known
    assert parse_phone("55559876", area="212") == "+12125559876"  # and a five too many
    assert parse_phone("No, clean use time time time 1 2 3 4 5 6 7", area="212") is None  # no exchange starts with 1
    assert parse_phone("five five five, nine eight seven six, area code three one two", area="212") is None
    assert area_code("+12125550135", "US") == "212" and area_code("+442079460011", "GB") == "20"
    assert area_code("+442079460011", "US") == "" and area_code("", "US") == ""  # another country's, none


def test_a_number_is_read_back_digit_by_digit_in_its_groups():
    assert spoken_digits("+15551234567") == "5 5 5, 1 2 3, 4 5 6 7"
    assert spoken_digits("+442079460011", "GB") == "0 2 0, 7 9 4 6, 0 0 1 1"
    assert spoken_digits("+442079460011", "US") == "plus 4 4, 2 0, 7 9 4 6, 0 0 1 1"


NANP = st.tuples(st.integers(2, 9), st.integers(0, 99), st.integers(2, 9), st.integers(0, 99999))


@FAST
@given(NANP, st.sampled_from(["zero", "oh"]), st.sampled_from([", ", " ", ". "]))
def test_a_us_number_said_digit_by_digit_in_groups_reads_back(parts, zero, pause):
    digits = f"{parts[0]}{parts[1]:02d}{parts[2]}{parts[3]:06d}"[:10]
    words = {str(d): ONES[d] for d in range(10)} | {"0": zero}
    said = pause.join(" ".join(words[c] for c in group) for group in (digits[:3], digits[3:6], digits[6:]))
    assert parse_phone(said) == f"+1{digits}"
    assert parse_phone(spoken_digits(f"+1{digits}")) == f"+1{digits}"


@FAST
@given(st.sampled_from(["US", "GB", "DE", "FR", "AU", "CA"]), st.integers(0, 10**9))
def test_a_number_read_back_reads_back_as_itself(region, seed):
    example = phonenumbers.example_number(region)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert parse_phone(spoken_digits(e164, region), region) == e164


# --- spelled names ------------------------------------------------------------------------------
@pytest.mark.parametrize("said, word", [
    ("K H A N", "Khan"), ("k-h-a-n", "Khan"), ("K. H. A. N.", "Khan"), ("K.H.A.N.", "Khan"),
    ("O apostrophe N E I L L", "O'Neill"), ("S I O B H A N", "Siobhan"), ("kay aitch ay en", "Khan"),
    ("M I double L E R", "Miller"), ("Khan, K H A N", "Khan"), ("Anna K O W A L S K I", "Kowalski"),
    ("it is S M I T H hyphen J O N E S", "Smith-Jones"), ("B as in boy, R O W N", "Brown"),
    ("double you I L S O N", "Wilson"), ("dee oh ee", "Doe"), ("that's spelled C A R L A", "Carla"),
    ("ess tee ee vee ee en ess", "Stevens"), ("pee ay tee ee el", "Patel"), ("jay oh en ee ess", "Jones"),
    ("ex why zed", "Xyz"), ("gee are ay why", "Gray"), ("see ar oh double you", "Crow"),
    ("PR-I-Y-A.", "Priya"), ("TH-A-N-H.", "Thanh"), ("my X-RAY", None),  # letters grouped by the recogniser
    ("Double-W-A-R-D.", "Ward"), ("A-Double-L-E-N.", "Allen"),  # W ("double-u") and a double as written
    ("I see you", None), ("are you there", None), ("hello there", None), ("My name is Mike.", None),
    ("a", None), ("", None),
])
def test_spelled_words(said, word):
    assert spelled_word(said) == word


@FAST
@given(st.text("ABCDEFGHJKLMNOPQRSTUVWXYZ", min_size=2, max_size=12), st.sampled_from([" ", "-", ". ", ", "]))
def test_any_word_spelled_letter_by_letter_reads_back(letters, separator):
    assert spelled_word(separator.join(letters)) == letters.capitalize()


# --- anything at all ------------------------------------------------------------------------------
SAYABLE = st.lists(st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789 ,.:-/'+") + [
    "oh ", "double ", "half past ", "quarter to ", "at ", "noon", "may ", "the ", "1st ", "19 ", "pm ", "ish ",
    "after ", "between ", "and ", "next ", "week ", "tomorrow ", "apostrophe ", "hyphen ", "plus "]),
    max_size=40).map("".join)


@FAST
@given(SAYABLE)
def test_the_readers_never_raise(text):
    parse_clock(text)
    parse_when(text, NOW)
    parse_date_of_birth(text, False, TODAY)
    parse_phone(text)
    spelled_word(text)
