"""Whether what the caller has said so far sounds unfinished, so a pause is not yet their turn's
end, or answers the question in full, so a short pause is (pure; read on the event loop at every
pause, so it must be quick).

People pause between the groups of a phone number, after the month of a date of birth, after
"um" or "let me see": the agent waits longer there. A plain yes, a whole date of birth or phone
number, a goodbye, is all that was asked: the agent answers after the short pause. Each reading
is of the step the caller is answering: three digits are half a phone number, but a whole
answer to "which time?".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from appliance.dialogue.birthdate import MONTH_NAMES, parse_date_of_birth
from appliance.dialogue.name_spelling import letters_of
from appliance.dialogue.phone import parse_phone, partial_number
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.spoken import numerals, ordinal_choice, parse_clock, words_to_digits
from appliance.dialogue.state import SPELLING, YES_OR_NO, Step
from appliance.dialogue.understand import TURNED_DOWN, adds_nothing, extract_name, only_closing, rule_intent, yes_or_no
from appliance.dialogue.when import parse_when

# where a number is asked, a yes only leads in to it ("Sure, ..."), even written as a question:
# "Sure, my number is" garbled as "Sure, might I am very big or big?"; not a question of the
# caller's own ("Okay, why do you need that?")
NUMBER_ASKED = frozenset({Step.CALLBACK, Step.DOB})
QUESTION_WORD = re.compile(r"\b(?:why|what|how|who|which|when|where|do you|does it|is it|is that|can you|could you|"
                           r"should i|do i)\b")
YES_WORDS = 4  # a yes with at most this many words ("Yes, that's right.") says nothing more...
GOES_ON = frozenset({"and", "but", "also", "though", "except", "if", "only", "just", "for", "so", "i", "i'd", "i'm",
                     "we", "to", "with", "about", "maybe"})  # ...unless one of these
OFFERED = 3  # slots read out at most (`Records.find_slots`), for a choice by place
SHORT_PICK = 4  # words of a pick that needs no stop
SHORT_DAY = 3  # ...and of a day and time ("Wednesday afternoon")
SENTENCE_WORDS = 3  # the fewest words of a sentence the end-of-turn model may end a turn on
FULL_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
YEAR_LAST = re.compile(r"\b(?:1[89]|20)\d[1-9]\W*$")  # ...last, not ending in 0: "...eighty | eight" goes on
NAMED = frozenset({Step.NAME, Step.MESSAGE_NAME, Step.NAME_FIX})  # a full name is asked for
PARTICLES = frozenset("de del della di da dos du la le van von der den bin al mac st".split())  # "Megan de | la Cruz"
# a last word no sentence ends with
DANGLING = frozenset({"and", "or", "but", "because", "the", "a", "an", "my", "your", "our", "to", "at", "with", "of",
                      "it's", "um", "uh", "er", "erm", "uhm"})
TRAILING = (",", "-", "...", "\u2026", ":", ";")
SAME_NUMBER = re.compile(r"\b(?:(?:this|that|the same|same) (?:number|one|phone)|calling from|caller id|on file)\b")
MONTH = re.compile(r"\b(?:" + "|".join(MONTH_NAMES) + r")\b")
# a greeting alone, before the request: the caller says what they want next
GREETING = re.compile(r"^(?:(?:hi|hello|hey|good (?:morning|afternoon|evening)|yes|yeah|oh)(?: there)?\W*)+$")
STALLING = re.compile(r"\b(?:(?:number|name|birthday|date of birth) is|let me (?:see|think|check|look|find it)|"
                      r"hang on|hold on|one (?:moment|second|sec)|just a (?:moment|second|sec|minute)|"
                      r"give me a (?:moment|second|sec|minute))\W*$")


def whole_sentence(text: str) -> bool:
    """The recogniser wrote a finished sentence (Whisper punctuates)."""
    return text.rstrip().endswith((".", "?", "!")) and not text.rstrip().endswith("...")


def says_something(text: str) -> bool:
    """A finished sentence of `SENTENCE_WORDS` words or more that is not only a yes or a thanks:
    one the end-of-turn model may end a turn early on. A comma's pause reads as a stop too, and
    the first words before it ("Thanks," "Yes,", or what the recogniser makes up from a fraction
    of a second: "Dr. Okafor.") sound finished to the model."""
    return whole_sentence(text) and len(re.findall(r"[\w']+", text)) >= SENTENCE_WORDS and not adds_nothing(text)


def trails_off(text: str) -> bool:
    """`text` stops mid-phrase: "and ...", "um", "my number is, ", "let me see"."""
    t = text.strip().lower()
    words = re.findall(r"[a-z0-9']+", t)
    return t.endswith(TRAILING) or (bool(words) and words[-1] in DANGLING) or STALLING.search(t) is not None


def sounds_unfinished(text: str, step: Step, region: str, day_first: bool, today: date, spelling: str = "") -> bool:
    """True when `text`, the caller's answer at `step` so far, sounds like it goes on; `spelling`
    is the name being spelled as the agent heard it.

    Where a number, a date of birth or a spelling is asked for, the answer goes on until what was
    asked is heard in full (or a no; a yes only where the question was a yes-or-no one): a pause
    after "two one two", "July", "Sure," or "K H" is not its end, and neither is one after words
    the recogniser garbled."""
    t = text.strip().lower()
    has_digits = re.search(r"\d", numerals(t)) is not None
    spelled = spelled_word(text.strip())  # as written: "PR-I-Y-A" is grouped letters in capitals only
    plain = yes_or_no(t) if not has_digits and spelled is None else None  # a plain yes or no
    leads_in = step in NUMBER_ASKED and plain is True and not SAME_NUMBER.search(t) and not (
        t.endswith("?") and QUESTION_WORD.search(t))
    if not t or (t.endswith("?") and not has_digits and spelled is None and not leads_in):
        return False  # a question of the caller's own: "Sorry, what?"
    if step in SPELLING:  # letters, not words: "A" is no article here
        letters = len(letters_of(spelled)) if spelled else int(len(t.strip(".!?")) == 1)
        needed = max(2, len(letters_of(spelling)) - 1)
        # "Sure." comes before the letters; letters the recogniser did not close with a stop were cut short
        return t.endswith(TRAILING) or letters < needed or (spelled is not None and not whole_sentence(t))
    if trails_off(t):
        return True
    if step == Step.INTENT and GREETING.match(t):
        return True
    if leads_in:
        return True
    if step in (Step.CALLBACK, Step.CALLER_ID):  # a no refuses; a yes answers "...the number you're calling from?"
        whole = parse_phone(t, region) is not None and not partial_number(t, region)
        return not (whole or plain is not None or SAME_NUMBER.search(t))
    if step == Step.DOB:
        return parse_date_of_birth(t, day_first, today) is None and not (plain is False and not MONTH.search(t))
    return False


def sounds_answered(text: str, step: Step, region: str, day_first: bool, today: date, spelling: str = "") -> bool:
    """True when `text` answers what was asked at `step` in full, so nothing is likely to follow
    and the turn may end after the short pause: a plain yes to a yes-or-no question (a no often
    goes on with what instead), a whole date of birth with its year in four digits, a whole and
    valid phone number, a day with a time or a part of the day ("Tuesday afternoon"), an offered
    slot picked by its place or time ("The second one", "Eleven, please"), as many letters as
    the name heard, `spelling`, has, a first and last name with nothing after it; a goodbye; each
    written as a finished sentence, but for the pick, the name, a short day and time, and a date
    of birth that ends with its year (the recogniser leaves the stop off short answers)."""
    t = text.strip().lower()
    if step in SPELLING:  # letters, not words: a last "A" is no article
        spelled = spelled_word(text.strip())
        return bool(spelling) and whole_sentence(t) and spelled is not None and len(letters_of(spelled)) >= len(
            letters_of(spelling))
    if trails_off(t):
        return False
    if step == Step.CHOOSE and _picks(words_to_digits(t)):
        return True
    if step in NAMED and _full_name(t):
        return True
    if step == Step.DOB and YEAR_LAST.search(words_to_digits(t)):
        return parse_date_of_birth(t, day_first, today) is not None
    if step == Step.WHEN and len(t.split()) <= SHORT_DAY and _day_and_time(t, today):
        return True
    if not whole_sentence(t):
        return False
    if rule_intent(t) == "goodbye" and only_closing(t):
        return True
    if step in YES_OR_NO:
        words = re.findall(r"[a-z']+", t)
        return yes_or_no(t) is True and len(words) <= YES_WORDS and not GOES_ON.intersection(words)
    if step == Step.DOB:  # "May 3rd, nineteen..." is read as 2019
        return parse_date_of_birth(t, day_first, today) is not None and FULL_YEAR.search(words_to_digits(t)) is not None
    if step in (Step.CALLBACK, Step.CALLER_ID):
        return parse_phone(t, region, valid_only=True) is not None and not partial_number(t, region)
    if step == Step.WHEN:
        return _day_and_time(t, today)
    return False


def _day_and_time(said: str, today: date) -> bool:
    """`said` names a day and a time or a part of the day."""
    when = parse_when(said, datetime.combine(today, time()))
    return when is not None and when.named_day and (when.exact is not None or (when.from_hour, when.to_hour)
                                                    != (0.0, 24.0))


def _full_name(said: str) -> bool:
    """`said` is a first and last name and nothing after it ("Lucy Brennan", "My name is Lucy
    Brennan."); not a question, nor a name whose last word leads into more of it ("de", "van")."""
    parts = (extract_name(said) or "").lower().split()
    words = re.findall(r"[a-z'\-]+", said)
    return (len(parts) >= 2 and not said.endswith("?") and bool(words) and words[-1] == parts[-1]
            and words[-1] not in PARTICLES)


def _picks(said: str) -> bool:
    """`said` picks one of the slots offered, by its place or its time, and nothing else: a short
    pick needs no stop ("The first one, please"); a question ("Anything later?"), a refusal
    ("Not the first one") or a longer answer ("First I need to check") is no pick."""
    if said.endswith("?") or TURNED_DOWN.search(said) or re.search(r"\bnot\b", said):
        return False
    if not whole_sentence(said) and len(said.split()) > SHORT_PICK:
        return False
    return ordinal_choice(said, OFFERED) is not None or parse_clock(said) is not None
