"""The conversation benchmark's listening caller and its outcome checker, on small made-up
examples (never the benchmark's own scenarios)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from appliance.bench.conversations import (
    Existing,
    Expect,
    Person,
    Scenario,
    check,
    next_weekday,
    seed,
    wipe,
)
from appliance.crm.appointments import Appointments
from appliance.crm.db import open_store
from appliance.crm.messages import Messages
from appliance.crm.schedule import Schedule
from appliance.dialogue import wording
from appliance.lab.caller import (
    Ask,
    Caller,
    CallerPlan,
    Keys,
    Task,
    classify,
    pick_offered,
)
from appliance.lab.demo import seed_demo_store

TZ = ZoneInfo("America/New_York")
THURSDAY = date(2026, 11, 26)


@pytest.mark.parametrize(("agent", "kind"), [
    ("Good morning, Smile Clinic, what can I do for you?", Ask.GREETING),
    ("Could I get your full name, please?", Ask.NAME),
    ("How do you spell your surname?", Ask.SPELL),
    ("Could you spell your first name for me?", Ask.SPELL_FIRST),
    ("You already have a cleaning booked with us. Shall I book another one, or would you rather move the one you "
     "have?", Ask.ANOTHER),
    ("Thanks. When were you born?", Ask.DOB),
    ("And your birthday?", Ask.DOB),
    ("What would you like to come in for: a check-up, a cleaning or a filling?", Ask.SERVICE),
    ("Which day would be best for you?", Ask.WHEN),
    ("When would you like to move it to?", Ask.WHEN),
    ("I have Monday at 9 in the morning or 3 in the afternoon. Which would you prefer?", Ask.CHOICE),
    ("So that's Tuesday, December 1st, at 2 in the afternoon. Shall I go ahead?", Ask.READBACK),
    ("A cleaning on Friday at 10. Is that right?", Ask.READBACK),
    ("You have a filling on Monday. Shall I cancel it?", Ask.CANCEL),
    ("Just to check, would you like to move an appointment?", Ask.INTENT_CHECK),
    ("Is this appointment for Mark?", Ask.FOR_WHOM),
    ("Sorry, let me take them one at a time. Is it for a check-up?", Ask.SERVICE_CHECK),
    ("Did you say Tuesday?", Ask.DID_YOU_SAY),
    ("Just to check, is your name Jon Smith?", Ask.DID_YOU_SAY),
    ("Just to check, is the patient's name Leo Brennan?", Ask.DID_YOU_SAY),
    ("What message should I pass on?", Ask.MESSAGE),
    ("Would you like to leave a message?", Ask.MESSAGE),
    ("What number can we reach you on?", Ask.NUMBER),
    ("Shall we call you back on the number you're calling from?", Ask.NUMBER_CONFIRM),
    ("Who should I say is calling?", Ask.WHO),
    ("Which appointment do you mean? You have a check-up and a cleaning.", Ask.WHICH),
    ("Done. Anything else I can do for you today?", Ask.ANYTHING_ELSE),
    ("Sorry, I didn't catch that. Could you say it again?", Ask.REPEAT),
    ("Thanks for calling. Goodbye!", Ask.END),
    ("The weather is lovely today, isn't it?", Ask.UNKNOWN),
])
def test_the_caller_knows_the_kind_of_question_however_it_is_worded(agent, kind):
    assert classify(agent) is kind


def plan(**kwargs) -> CallerPlan:
    base = dict(tasks=(Task("I'd like to book a check-up.", "book", ("Can I make an appointment?",)),),
                answers={"name": ("Jo March.",), "dob": ("May 2nd 1990.",), "spell": ("M A R C H.",),
                         "when": ("Wednesday morning.",)},
                first_name="Jo", name="Jo March", dob="1990-05-02", want_weekday=2, want_part="morning")
    base.update(kwargs)
    return CallerPlan(**base)


def test_the_caller_answers_in_whatever_order_it_is_asked():
    caller = Caller(plan(), THURSDAY)
    assert caller.respond("Hello, how can I help?") == "I'd like to book a check-up."
    assert caller.respond("When were you born?") == "May 2nd 1990."
    assert caller.respond("And your name?") == "Jo March."
    assert caller.respond("Spell the last name for me?") == "M A R C H."
    assert caller.respond("And could you spell your first name?") == "J O."
    assert caller.respond("What day suits you?") == "Wednesday morning."


def test_a_caller_told_it_can_key_its_date_of_birth_in_does_so_in_the_order_asked():
    caller = Caller(plan(), THURSDAY)
    assert caller.respond("And what's your date of birth?") == "May 2nd 1990."
    keyed = caller.respond("Sorry, could you tell me your date of birth? You can also key it in as eight digits: "
                           "month, day and year.")
    assert isinstance(keyed, Keys) and keyed == "05021990"
    assert Caller(plan(), THURSDAY).respond("Your date of birth? You can also key it in as eight digits: day, "
                                            "month and year.") == "02051990"


def test_a_caller_with_no_spelling_of_its_own_spells_its_last_name_twice_at_most():
    caller = Caller(plan(answers={"message": ("It's Anna O'Neill, about my bill.",)}, name="Anna O'Neill"), THURSDAY)
    for _ in range(2):
        assert caller.respond("Thank you. And could you spell your last name for me?") == "O N E I L L."
    assert caller.respond("Sorry, could you spell your last name for me?") == "Can I make an appointment?"
    assert "O N E I L L." in caller.plan.static_lines()


def test_the_caller_objects_to_a_read_back_of_the_wrong_day_and_accepts_the_right_one():
    caller = Caller(plan(), THURSDAY)
    wrong = caller.respond("So that's Friday the 27th at 9 in the morning. Shall I go ahead?")
    assert wrong.startswith("No") and "Wednesday" in wrong
    assert caller.respond("So that's Wednesday the 2nd at 9 in the morning. Shall I go ahead?").startswith("Yes")


def test_the_caller_puts_its_name_right_at_the_read_back_spelling_the_wrong_parts_twice_at_most():
    caller = Caller(plan(), THURSDAY)
    right = "So that's Wednesday the 2nd at 9 in the morning for a check-up, for Jo March. Shall I go ahead?"
    assert caller.respond(right).startswith("Yes")
    caller = Caller(plan(), THURSDAY)
    wrong_last = right.replace("Jo March", "Jo Martin")
    assert caller.respond(wrong_last) == "No, the name is Jo March. M A R C H."
    assert caller.respond(right.replace("Jo March", "Dee Martin")) == "No, the name is Jo March. J O. M A R C H."
    assert caller.respond(wrong_last).startswith("Yes")  # put right twice: the caller lets it be


def test_offered_times_on_several_days_the_caller_picks_one_on_its_day_and_says_the_day():
    caller = Caller(plan(), THURSDAY)
    offer = ("I have Monday, November 30th, at 8 in the morning, Wednesday, December 2nd, at 8 in the morning or "
             "Wednesday, December 2nd, at 9 in the morning. Which would you prefer?")
    assert caller.respond(offer) == "The Wednesday 8 o'clock one, please."
    assert Caller(plan(), THURSDAY).respond(offer.replace("Wednesday", "Friday")).startswith("No, that doesn't")
    today = Caller(plan(want_weekday=THURSDAY.weekday()), THURSDAY)  # a day said as offered: "today", not Thursday
    assert today.respond(offer.replace("Wednesday, December 2nd,", "today,")) == "Today's 8 o'clock one, please."


def test_the_caller_reads_the_name_in_the_agents_own_read_back():
    read_back = wording.read_back("So that's", "Wednesday the 2nd at 9 in the morning", "check-up", "Jo Martin")
    assert Caller(plan(), THURSDAY).respond(read_back).startswith("No, the name is Jo March.")


def test_the_caller_corrects_once_then_picks_the_time_it_wants():
    caller = Caller(plan(correction="No, I meant Friday.", correction_weekday=4, choice="match"), THURSDAY)
    offer = "I have Wednesday at 9 in the morning or 2 in the afternoon. Which would you prefer?"
    assert caller.respond(offer) == "No, I meant Friday."
    assert caller.respond(offer.replace("Wednesday", "Friday")) == "The 9 o'clock one, please."
    assert pick_offered("I have Monday at 8:30 in the morning or 3 in the afternoon.", "afternoon") == "3"


def test_checks_of_its_name_and_birth_date_are_answered_from_the_persona():
    caller = Caller(plan(), THURSDAY)
    assert caller.respond("Did you say May 2nd, 1990?").startswith("Yes")
    assert caller.respond("Is your date of birth May 12th, 1990?") == "No. May 2nd 1990."
    assert caller.respond("Just to check, is your name Joe Marsh?").startswith("No, it's Jo March.")
    assert caller.respond("Is this appointment for Jo?").startswith("Yes")


def test_a_service_asked_about_is_a_yes_only_when_it_is_the_one_wanted():
    caller = Caller(plan(answers={"service": ("Just a regular checkup.",)}), THURSDAY)
    assert caller.respond("Let me take them one at a time. Is it for a cleaning?") == "No."
    assert caller.respond("Is it for a check-up?").startswith("Yes")


def test_a_caller_not_understood_rephrases_twice_then_says_goodbye():
    caller = Caller(plan(), THURSDAY)
    caller.respond("Hi, how can I help?")
    assert caller.respond("What is your favourite colour?") == "Can I make an appointment?"
    assert caller.respond("Do you like jazz?") == "Can I make an appointment?"
    assert caller.respond("Really?") == plan().goodbye
    assert caller.respond("Goodbye then?") is None


def test_anything_else_moves_to_the_next_task_then_goodbye():
    caller = Caller(plan(tasks=(Task("When are you open?", "faq"), Task("Where do I park?", "faq"))), THURSDAY)
    assert caller.respond("How can I help?") == "When are you open?"
    assert caller.respond("We open at 8. Is there anything else?") == "Where do I park?"
    assert caller.respond("Behind the building. Anything else?") == plan().goodbye


# --- the outcome checker ----------------------------------------------------------------------
@pytest.fixture()
def db(tmp_path):
    db = open_store(tmp_path / "appliance.db")
    seed_demo_store(db)
    return db


def scenario(expect: Expect, **kwargs) -> Scenario:
    return Scenario("example", "an example", "+12125550177", plan(), expect, **kwargs)


def book_for(db, contact_id: int, day: date, hour: int, service: str = "check-up", call_id=None):
    schedule = Schedule(db)
    sid = next(s.id for s in schedule.services() if s.name == service)
    return Appointments(db, TZ).book(contact_id, schedule.providers(sid)[0].id, sid,
                                     datetime(day.year, day.month, day.day, hour, tzinfo=TZ), "phone_agent",
                                     call_id=call_id)


def test_a_booking_passes_only_for_the_right_person_service_and_day_and_extras_count_as_unconfirmed(db):
    s = scenario(Expect("booked", "Jo March", "1990-05-02", "check-up", 2, "morning"),
                 on_file=(Person("Jo March", "1990-05-02", "+12125550177"),))
    seeded = seed(db, [s], TZ, THURSDAY)[s.name]
    assert not check(db, s, seeded, TZ, [], False).ok
    wednesday = next_weekday(THURSDAY, 2)
    book_for(db, seeded.contacts[0], wednesday, 15)
    verdict = check(db, s, seeded, TZ, [], False)
    assert not verdict.ok and verdict.unconfirmed == 1 and "Wednesday 15:00" in verdict.found
    book_for(db, seeded.contacts[0], wednesday, 9)
    verdict = check(db, s, seeded, TZ, [], False)
    assert not verdict.ok and verdict.unconfirmed == 1
    wipe(db)
    seeded = seed(db, [s], TZ, THURSDAY)[s.name]
    book_for(db, seeded.contacts[0], wednesday, 9)
    assert check(db, s, seeded, TZ, [], False).ok


def test_cancel_move_and_unchanged_compare_with_what_was_on_file(db):
    s = scenario(Expect("cancelled", "Jo March"), on_file=(Person("Jo March", "1990-05-02", "+12125550177"),),
                 existing=(Existing("check-up", 1, 10),))
    seeded = seed(db, [s], TZ, THURSDAY)[s.name]
    unchanged = Scenario(s.name, "", s.caller_number, s.plan, Expect("unchanged"), s.on_file, s.existing)
    assert check(db, unchanged, seeded, TZ, [], False).ok and not check(db, s, seeded, TZ, [], False).ok
    Appointments(db, TZ).cancel(seeded.appointments[0][0])
    assert check(db, s, seeded, TZ, [], False).ok
    assert not check(db, unchanged, seeded, TZ, [], False).ok


def test_messages_need_the_name_and_callback_digits_and_emergencies_an_urgent_flag(db):
    s = scenario(Expect("message", "Tom Baker", callback="5551234567"))
    seeded = seed(db, [s], TZ, THURSDAY)[s.name]
    messages = Messages(db)
    messages.add("Please call back", "+12125550177", "", None, True)
    assert not check(db, s, seeded, TZ, [], False).ok
    messages.add("Please call me on 555 123 4567", "+12125550177", "Tim Bakerman", None, True)
    assert not check(db, s, seeded, TZ, [], False).ok  # another last name
    messages.add("Please call me on 555 123 4567", "+12125550177", "Tim Baker", None, True)
    assert check(db, s, seeded, TZ, [], False).ok  # the last name as the message's caller (spelled for it)
    wipe(db)
    seeded = seed(db, [s], TZ, THURSDAY)[s.name]
    messages.add("This is Tom Baker, call me on five five five, one two three, 4567", "+12125550177", "", None, True)
    assert check(db, s, seeded, TZ, [], False).ok
    nothing = scenario(Expect("nothing"))
    assert not check(db, nothing, seeded, TZ, [], False).ok
    emergency = scenario(Expect("emergency", "Tom Baker"))
    assert not check(db, emergency, seeded, TZ, [], False).flagged
    messages.add("URGENT: possible emergency. Caller said: my face is swollen", "+12125550177", "", None, True)
    verdict = check(db, emergency, seeded, TZ, [], False)
    assert verdict.ok and verdict.flagged


def test_only_the_benchmark_test_imports_the_benchmark_scenarios():
    from pathlib import Path

    tests = Path(__file__).resolve().parents[1]
    importers = {p.relative_to(tests).as_posix() for p in tests.rglob("*.py")
                 if "bench.scenarios" in p.read_text() or "bench import conversations, scenarios" in p.read_text()}
    assert importers <= {"bench/test_conversations.py", "bench/test_conversation_caller.py"}


def test_the_same_yes_no_question_again_gets_plainer_answers_then_goodbye():
    caller = Caller(plan(), THURSDAY)
    assert caller.respond("You have a filling tomorrow. Shall I cancel it?") == "Yes, please cancel it."
    assert caller.respond("Shall I cancel it? Please say yes or no.") == "Yes."
    assert caller.respond("Shall I cancel it? Please say yes or no.") == "Yes, please."
    assert caller.respond("Shall I cancel it? Please say yes or no.") == plan().goodbye


def test_offers_that_do_not_suit_are_refused_and_never_accepted():
    caller = Caller(plan(), THURSDAY)
    offer = "I have Wednesday the 2nd at 2 in the afternoon or 4 in the afternoon. Which would you prefer?"
    assert caller.respond(offer).startswith("No, that doesn't work for me.")
    assert caller.respond("So that's Wednesday at 2 in the afternoon. Shall I go ahead?").startswith("No")
    assert caller.respond("So that's Wednesday at 2 in the afternoon. Shall I go ahead?") == plan().goodbye


def test_the_caller_who_wants_to_move_says_so_when_asked_about_another_booking():
    caller = Caller(plan(tasks=(Task("I'd like to reschedule my cleaning.", "reschedule", ()),)), THURSDAY)
    caller.respond("Hello, how can I help?")
    answer = caller.respond("You already have a cleaning booked with us. Shall I book another one, or would you "
                            "rather move the one you have?")
    assert "move" in answer


def test_a_caller_who_cancelled_one_appointment_keeps_the_other():
    caller = Caller(plan(), THURSDAY)
    caller.respond("Thank you for calling. How can I help you today?")
    assert caller.respond("You have a cleaning on Friday, December 4th. Shall I cancel it?") == "Yes, please cancel it."
    assert caller.respond("You have a check-up on Monday, November 30th. Shall I cancel it?") == (
        "No, please keep that one.")


@pytest.mark.parametrize(("at", "after_hours", "reachable"), [
    (datetime(2026, 11, 25, 15, tzinfo=TZ), False, True),  # a Wednesday afternoon: the front desk
    (datetime(2026, 11, 27, 20, tzinfo=TZ), True, False),  # a Friday evening, no on-call number
    (datetime(2026, 11, 28, 12, tzinfo=TZ), False, True),  # Saturday morning hours
])
def test_a_request_for_a_person_is_judged_by_who_can_take_a_call_at_that_hour(db, at, after_hours, reachable):
    import time_machine

    from appliance.bench.conversations import ScenarioResult, _staff_reachable
    from appliance.config import Config, TransferConfig

    config = Config(transfer=TransferConfig(staff_uri="sip:desk@127.0.0.1"))
    on_call = Config(transfer=TransferConfig(staff_uri="sip:desk@127.0.0.1", after_hours_uri="sip:oncall@127.0.0.1"))
    result = ScenarioResult("person", "voice", "clean")
    with time_machine.travel(at, tick=False):
        assert _staff_reachable(db, TZ, config, result) is reachable
        assert _staff_reachable(db, TZ, on_call, result), "the on-call number takes the call after hours"
    assert result.after_hours is after_hours


def test_a_call_the_clinic_closed_during_passes_with_either_outcome(db):
    from appliance.bench.conversations import ScenarioResult, _judge

    s = scenario(Expect("handover", "Tom Baker", callback="caller", reason=("person",)))
    seeded = seed(db, [s], TZ, THURSDAY)[s.name]
    Messages(db).add("This is Tom Baker, please call me back", s.caller_number, "", None, True)
    for reachable, ok in (({True}, False), ({False}, True), ({True, False}, True)):
        result = ScenarioResult(s.name, "voice", "clean")
        _judge(db, s, seeded, TZ, [], reachable, result)
        assert result.ok is ok, reachable
