"""Spoken numbers, dates, times, names and intents (pure)."""

import threading
from datetime import date, datetime, time

import pytest

from appliance.dialogue.birthdate import parse_date_of_birth
from appliance.dialogue.reading import SYSTEM_PROMPT, Reader, asking
from appliance.dialogue.spoken import parse_clock, say_moment, say_time, words_to_digits
from appliance.dialogue.understand import (
    adds_nothing,
    extract_name,
    pick_by_name,
    rule_intent,
    yes_or_no,
)
from appliance.dialogue.when import parse_when
from appliance.models.protocols import ChatMessage
from tests.dialogue.clinic import MARIA, NOW, TZ, build_store, make_dialogue


@pytest.mark.parametrize("said, digits", [
    ("nineteen eighty", "1980"), ("twenty third of may", "23rd of may"), ("two thirty", "2 30"),
    ("the first", "the 1st"), ("twenty twenty six", "2026"), ("eleven fifteen", "11 15"),
])
def test_words_to_digits(said, digits):
    assert words_to_digits(said) == digits


@pytest.mark.parametrize("said, expected", [
    ("at half past two", time(14, 30)), ("quarter to five", time(16, 45)), ("10 30", time(10, 30)),
    ("9 am", time(9, 0)), ("at 2", time(14, 0)), ("noon", time(12, 0)), ("3 in the afternoon", time(15, 0)),
    ("whenever", None),
])
def test_clock(said, expected):
    assert parse_clock(words_to_digits(said)) == expected


@pytest.mark.parametrize("said, first, hours, exact", [
    ("next Tuesday afternoon", date(2026, 12, 8), (12, 17), None),
    ("the 3rd at half past two", date(2026, 12, 3), (0, 24), time(14, 30)),
    ("tomorrow morning", date(2026, 12, 3), (8, 12), None),
    ("any time after 4", date(2026, 12, 2), (16, 24), None),
    ("no, Wednesday", date(2026, 12, 9), (0, 24), None),
    ("December twenty third at 9 am", date(2026, 12, 23), (0, 24), time(9, 0)),
    ("the first", date(2027, 1, 1), (0, 24), None),
])
def test_when(said, first, hours, exact):
    when = parse_when(said, NOW)
    assert (when.first, (when.from_hour, when.to_hour), when.exact) == (first, hours, exact)


@pytest.mark.parametrize("said, wish", [
    ("Good afternoon, I'd like to come in for a check-up, please.", None),
    ("Good morning! Can I book a cleaning?", None),
    ("Good evening, I need a filling next Tuesday morning.", (date(2026, 12, 8), (8, 12))),
])
def test_a_greeting_is_no_part_of_the_day(said, wish):
    when = parse_when(said, NOW)
    assert (when and (when.first, (when.from_hour, when.to_hour))) == wish


def test_a_correction_keeps_what_it_does_not_change():
    before = parse_when("Tuesday afternoon", NOW)
    after = before.merged(parse_when("no, Wednesday", NOW))
    assert after.first == date(2026, 12, 9) and (after.from_hour, after.to_hour) == (12, 17)
    assert parse_when("I'd like to book", NOW) is None


@pytest.mark.parametrize("said, iso", [
    ("May third nineteen eighty", "1980-05-03"), ("the 3rd of May 1980", "1980-05-03"),
    ("5/3/1980", "1980-05-03"), ("1980-05-03", "1980-05-03"), ("February 30th 1980", None), ("soon", None),
])
def test_date_of_birth(said, iso):
    born = parse_date_of_birth(said, False, NOW.date())
    assert (born.isoformat() if born else None) == iso


@pytest.mark.parametrize("said, name", [
    ("my name is maria lopez", "Maria Lopez"), ("this is Anna K O W A L S K I", "Anna Kowalski"),
    ("Peter Parker", "Peter Parker"), ("I want to book an appointment please now", None),
    ("Walter Brut Walter Brut", "Walter Brut"),  # the recogniser wrote it twice
    ("Walter Britt Walter Britt Walter Britt Walter Britt", "Walter Britt"),  # ...or more
    ("Anna Kay Lee Anna Kay Lee Anna Kay Lee", "Anna Kay Lee"),
])
def test_names(said, name):
    assert extract_name(said) == name


@pytest.mark.parametrize("said, intent", [
    ("I'd like to book a cleaning", "book"), ("can I move my appointment", "reschedule"),
    ("I can't make it tomorrow", "cancel"), ("when is my appointment", "confirm"),
    ("I won't be able to come to my appointment on Monday", "cancel"), ("we can't keep our appointment", "cancel"),
    ("please take me off the schedule for Friday", "cancel"), ("cross it off the book, would you", "cancel"),
    ("I can't make my cleaning appointment, can we move it to Friday", "reschedule"),
    ("can you take me off hold", None), ("is there a fee if I can't make my appointment", "faq"),
    ("I'm unable to make it on weekdays, can I book a Saturday", "book"), ("I can't keep it clean", None),
    ("I can't make my appointment Tuesday, is there anything on Thursday", None),
    ("could you take a message", "message"), ("let me talk to a real person", "human"),
    ("Can an I seek to real persons, please?", "human"), ("Let me watch you somebody at the front desk.", "human"),
    ("there's a lot of bleeding it's an emergency", "emergency"), ("sorry wrong number", "wrong_number"),
    ("I was trying to order a pizza. I must have a long number.", "wrong_number"),  # "the wrong number"
    ("I must have got the long number", "wrong_number"),
    ("you must have my number on file", None), ("you must have called my number earlier", None),
    ("I must have a new number now", None),
    ("okay bye", "goodbye"), ("purple monkey", None),
    ("no, just put me through to the office", "human"), ("can I speak with the doctor please", "human"),
    ("I'd like to talk to Dr. Patel about my results", "human"), ("can you transfer me to the front desk", "human"),
    ("the socket keeps leaving a lot tonight", "emergency"), ("it won't stop leaving since they pulled it", "emergency"),
    ("I'm leaving a message for the front desk", "message"),  # "bleeding" misheard, not any leaving
])
def test_rule_intents(said, intent):
    assert rule_intent(said) == intent


@pytest.mark.parametrize("said, answer", [("yes please", True), ("yeah that works", True), ("no", False),
                                          ("no, that's fine", False), ("hmm", None)])
def test_yes_no(said, answer):
    assert yes_or_no(said) == answer


@pytest.mark.parametrize("said, nothing", [
    ("That's right.", True), ("Yes, please.", True), ("That number will do, thanks.", True), ("That one works.", True),
    ("That one on Friday.", False), ("No, this number is wrong.", False), ("Use this number: 555 0134.", False),
])
def test_what_adds_nothing_to_an_answer_already_given(said, nothing):
    assert adds_nothing(said) is nothing


def test_speaking_times_and_dates():
    assert say_time(datetime(2026, 12, 3, 14, 30)) == "2:30 in the afternoon"
    assert say_time(datetime(2026, 12, 3, 12, 0)) == "12 noon"
    assert say_moment(datetime(2026, 12, 8, 9, 0, tzinfo=TZ), NOW.date()) == \
        "Tuesday, December 8th, at 9 in the morning"
    assert say_moment(datetime(2026, 12, 3, 9, 0, tzinfo=TZ), NOW.date()) == "tomorrow, Thursday, December 3rd, at 9 in the morning"


class Classifier:
    """A language model that reads every request as a booking, keeping what it was sent."""

    def __init__(self) -> None:
        self.sent: list[ChatMessage] = []

    def chat_json(self, messages: list[ChatMessage], schema: dict, **options: object) -> dict:
        self.sent = list(messages)
        return {"intent": "book"}


def test_the_classifier_is_prompted_with_the_fixed_system_prompt():
    model = Classifier()
    assert Reader(model).intent("my tooth hurts when I drink cold water", "How can I help?") == "book"
    assert model.sent[0] == ChatMessage("system", SYSTEM_PROMPT)
    assert "my tooth hurts when I drink cold water" in model.sent[1].content
    assert "How can I help?" in model.sent[1].content


def test_every_reading_shares_the_system_prompt_and_is_asked_with_the_asking_sentence_only():
    model = Classifier()
    reader = Reader(model)
    reader.intent("I'd like to get in next week", "Thank you for calling. How can I help you today? We're closed now.")
    assert model.sent[1].content.startswith("Classify the request.") and "Thank you for calling" not in (
        model.sent[1].content) and '"How can I help you today?"' in model.sent[1].content
    reader.name("It's Grace With Field", "Thank you. May I have your first and last name?")
    assert model.sent[0] == ChatMessage("system", SYSTEM_PROMPT) and model.sent[1].content.startswith("Read the")
    assert asking("Thanks. Done. Anything else?") == "Anything else?" and asking("Goodbye. Bye.") == "Bye."


class CountingClassifier(Classifier):
    """...and counts how often it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def chat_json(self, messages: list[ChatMessage], schema: dict, **options: object) -> dict:
        self.calls += 1
        return super().chat_json(messages, schema, **options)


def test_a_request_read_ahead_at_a_pause_is_not_read_again_when_answered(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    model = CountingClassifier()
    dialogue = make_dialogue(db, llm=model)
    dialogue.greeting(MARIA)
    dialogue.prepare("What are your opening hours?", lambda: False)  # the rules read it: nothing to read ahead
    assert model.calls == 0
    dialogue.prepare("could somebody have a look at my teeth sometime", lambda: False)
    assert model.calls == 1
    reply = dialogue.respond("could somebody have a look at my teeth sometime", 0.9)
    assert model.calls == 1 and "book an appointment" in reply.text
    dialogue.respond("no", 0.9)
    dialogue.respond("could somebody have a look at my teeth sometime", 0.9)  # after another question: read anew
    assert model.calls == 2


@pytest.mark.parametrize("said, nearly, picked", [
    ("the filling one", False, 1), ("Feeling.", True, 1), ("Feeling.", False, None), ("the chuck up", True, 0),
    ("the one on Monday", True, None), ("chuck and pilling", True, None),
])
def test_a_service_named_or_misheard_nearly_is_picked_only_when_one_fits(said, nearly, picked):
    assert pick_by_name(said, ["Check-up", "Filling"], nearly=nearly) == picked


def test_a_reading_no_longer_needed_is_not_made_nor_remembered(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    model = CountingClassifier()
    dialogue = make_dialogue(db, llm=model)
    dialogue.greeting(MARIA)
    dialogue.prepare("could somebody have a look at my", lambda: True)  # the caller went on at once
    assert model.calls == 0
    dialogue.respond("could somebody have a look at my", 0.9)  # ...yet the turn ended there: read now
    assert model.calls == 1


class SlowClassifier(CountingClassifier):
    """...and takes until `go` is set (a reading ahead still being made)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def chat_json(self, messages: list[ChatMessage], schema: dict, **options: object) -> dict:
        self.go.wait(5)
        stop = options.get("stop")
        if stop is not None and stop():
            self.calls += 1
            return None
        return super().chat_json(messages, schema, **options)


@pytest.mark.parametrize("went_on", [False, True])
def test_a_turn_answered_while_its_reading_ahead_is_made_waits_for_it_or_reads_again_if_it_stopped(tmp_path, went_on):
    db, _ = build_store(tmp_path / "store.db")
    model = SlowClassifier()
    dialogue = make_dialogue(db, llm=model)
    dialogue.greeting(MARIA)
    said = "could somebody have a look at my teeth sometime"
    stale = threading.Event()
    ahead = threading.Thread(target=dialogue.prepare, args=(said, stale.is_set))
    ahead.start()
    while said not in str(dialogue.reader._reading):  # the reading ahead has started
        threading.Event().wait(0.01)
    if went_on:
        stale.set()  # the caller went on: the reading ahead stops (yet the turn ended on these words)
    threading.Timer(0.1, model.go.set).start()
    reply = dialogue.respond(said, 0.9)
    ahead.join(5)
    assert "book an appointment" in reply.text
    assert model.calls == (2 if went_on else 1)  # read once; again only when the reading ahead stopped
