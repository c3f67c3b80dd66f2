"""What real callers do that the first version got wrong: words taken for names, a family on one
phone, unusual names, answers with content to a yes/no check, messages without a name or number,
goodbyes, guesses nobody confirmed, and slots within the hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlite_utils import Database

from appliance.dialogue import hints as hints_module
from appliance.dialogue import wording
from appliance.dialogue.birthdate import DateOfBirthAsked
from appliance.dialogue.state import Step
from appliance.dialogue.understand import extract_name, rule_intent, yes_or_no
from tests.dialogue.clinic import MARIA, NOW, build_store, make_dialogue, new_call, talk
from tests.dialogue.scenarios import UNKNOWN


class Model:
    """A language model that answers every question with `value`, keeping the prompts."""

    def __init__(self, value: dict) -> None:
        self.value = value
        self.prompts: list[str] = []

    def chat_json(self, messages, schema, **options):  # noqa: ANN001, ANN201
        self.prompts.append(messages[-1].content)
        return self.value


def test_words_that_are_no_names_are_not_taken_for_one():
    for said in ("Actually.", "Do", "I'll", "Yeah", "You write I'm 1972", "um, okay"):
        assert extract_name(said) is None, said
    assert extract_name("It's Tom Baker, 555 9876") == "Tom Baker"
    assert extract_name("siobhan o'neill") == "Siobhan O'Neill"


def test_a_known_number_is_asked_whose_appointment_it_is(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    replies = talk(dialogue, "I'd like to book a check-up", "No, it's for me, I'm her husband",
                   "Carlos Lopez", "March 2nd 1978", "C A R L O S", "L O P E Z")
    assert replies[0] == wording.FOR_WHOM.format(first_name="Maria")
    assert replies[1] == wording.ASK_PATIENT_NAME
    assert replies[3] == wording.SPELL_FIRST_NAME and replies[4] == wording.SPELL_LAST_NAME
    assert dialogue.call.state.contact.name == "Carlos Lopez"
    assert [r["name"] for r in db.query("SELECT name FROM contacts ORDER BY id")][-1] == "Carlos Lopez"


def test_a_new_patient_spells_the_last_name_and_a_known_one_is_found_by_its_sound(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to book a cleaning", "Shoban O'Neill", "January first 1980", "S I O B H A N",
         "O apostrophe N E I L L")
    assert dialogue.call.state.contact.name == "Siobhan O'Neill"
    found = new_call(db, "+15550003333")
    talk(found, "I want to cancel my appointment", "Maria Lopes", "May third nineteen eighty")
    assert found.call.state.verified and found.call.state.contact.name == "Maria Lopez"


def test_a_message_records_who_called_and_the_number_to_call_back(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "Can I leave a message?", "Please tell Dr. Patel my x-rays are ready",
                   "Tom Baker", "B A K E R.", "No, call me on five five five, two one two, three four five six")
    assert replies[1] == wording.MESSAGE_WHO and replies[2] == wording.MESSAGE_SPELL
    assert replies[3] == wording.CALLBACK_CALLER_ID.format(last_digits="1 1 1 1")
    assert replies[4].startswith("Thank you, I've passed your message on") and "5 5 5 2 1 2 3 4 5 6" in replies[4]
    row = next(db.query("SELECT * FROM messages"))
    assert row["caller_name"] == "Tom Baker" and row["caller_number"].endswith("5552123456")


@pytest.mark.parametrize("spelling, name", [("K O W A L S K I.", "Senator Kowalski"),  # for Anna Kowalski
                                            ("Sorry, what?", "Senator Wolski")])  # no letters: the name stands
def test_a_caller_not_on_file_who_leaves_a_message_spells_the_last_name_once(spelling, name, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "I'd like to leave a message.", "It's Senator Wolski. I have a question about my bill.",
                   spelling, "Yes, this number is fine.")
    assert replies[1] == wording.MESSAGE_SPELL and dialogue.call.state.step == Step.INTENT
    row = next(db.query("SELECT caller_name FROM messages"))
    assert row["caller_name"] == name


@pytest.mark.parametrize("lines", [("I'd like to leave a message.", "It's Anna Wolski, K O W A L S K I. Call me back."),
                                   ("I'd like to leave a message.", "Please call me back about my bill.",
                                    "Anna Wolski, K-O-W-A-L-S-K-I.")])
def test_letters_said_with_a_message_name_spell_it_and_are_not_asked_for_again(lines, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, *lines, "Yes, this number is fine.")
    assert wording.MESSAGE_SPELL not in replies
    assert next(db.query("SELECT caller_name FROM messages"))["caller_name"] == "Anna Kowalski"


def test_letters_elsewhere_in_a_message_spell_no_name(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    assert talk(dialogue, "I'd like to leave a message.", "It's Tom Poe, call me after 5 p.m. please.")[-1] == (
        wording.MESSAGE_SPELL)
    assert dialogue.call.state.message_name == "Tom Poe"


@pytest.mark.parametrize("answer, confidence", [("K O W A L S K I.", 0.1), ("No thanks.", 0.9), ("I'm good.", 0.9)])
def test_unclear_letters_or_a_no_to_the_spelling_leave_the_name_as_heard_and_the_message_goes_on(
        answer, confidence, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to leave a message.", "It's Senator Wolski. I have a question about my bill.")
    assert dialogue.respond(answer, confidence).text == wording.CALLBACK_CALLER_ID.format(last_digits="1 1 1 1")
    assert dialogue.call.state.message_name == "Senator Wolski" and dialogue.call.state.message is not None


def test_letters_for_a_message_after_a_failed_identity_check_put_the_name_given_right(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=False)
    assert talk(dialogue, "I need to cancel my appointment.", "Victor Eil.", "Permanent Perman.",
                "Perman heim.")[-1] == wording.NO_TRANSFER
    assert dialogue.call.state.name == "Victor Eil"
    assert talk(dialogue, "Please call me about my cleaning.")[-1] == wording.MESSAGE_SPELL
    talk(dialogue, "H A L E, and my number is two one two, five five five, zero one one nine.")
    row = next(db.query("SELECT caller_name, caller_number FROM messages"))
    assert row["caller_name"] == "Victor Hale" and row["caller_number"] == "+12125550119"


def test_a_caller_on_file_or_in_an_emergency_is_not_asked_to_spell_for_a_message(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    assert wording.MESSAGE_SPELL not in talk(new_call(db, MARIA), "Could someone call me back about my bill?",
                                             "It's about my bill, please call me.")
    emergency = talk(new_call(db, UNKNOWN), "My face is swollen and I can't breathe properly.",
                     "It's Dennis Ford, call me back.")
    assert wording.MESSAGE_SPELL not in emergency


def test_a_number_not_understood_twice_goes_to_staff_in_words_and_is_not_read_back(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "Can I leave a message?", "Please tell Dr. Patel my x-rays are ready", "Tom Baker",
                   "B A K E R.", "No, please use another one", "212-555-01")
    assert replies[3] == wording.CALLBACK_CALLER_ID.format(last_digits="1 1 1 1") and replies[4] == wording.CALLBACK_ASK
    assert replies[5].startswith(wording.MESSAGE_PASSED.format(back="")) and "1 1 1 1" not in replies[5]
    row = next(db.query("SELECT * FROM messages"))
    assert "not understood" in row["text"] and "212-555-01" in row["text"]


def test_a_callback_number_said_without_its_area_code_is_in_the_callers_area(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, "+12125550135")
    replies = talk(dialogue, "Can I leave a message?", "It's Gary Moore, born 7 12 1969. Call me about the price.",
                   "M O O R E.", "No, please use five five five, nine eight seven six.")
    assert replies[2] == wording.CALLBACK_CALLER_ID.format(last_digits="0 1 3 5")  # a date in a message is no number
    assert "2 1 2 5 5 5 9 8 7 6" in replies[3]  # read back with the area code of the caller's own number
    row = next(db.query("SELECT caller_number, text FROM messages"))
    assert row["caller_number"] == "+12125559876" and "212 assumed" in row["text"]


def test_an_answer_to_the_caller_id_offer_that_is_neither_yes_nor_a_number_hears_the_offer_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "Can I leave a message?", "Please tell Dr. Patel my x-rays are ready", "Tom Baker",
                   "B A K E R.", "Well, hmm", "Yes, please")
    offer = wording.CALLBACK_CALLER_ID.format(last_digits="1 1 1 1")
    assert replies[3] == replies[4] == offer and replies[5].startswith("Thank you, I've passed your message on")


def test_a_message_left_before_the_caller_hangs_up_is_still_written(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to leave a message", "My crown fell out, please call me")
    dialogue.close()
    rows = [r["text"] for r in Database(tmp_path / "store.db").query("SELECT text FROM messages")]
    assert rows == ["My crown fell out, please call me"]


def test_a_caller_who_says_only_goodbye_when_asked_for_a_message_leaves_none(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to leave a message")
    reply = dialogue.respond("No thanks, goodbye.", 0.9)
    dialogue.close()
    assert reply.action is not None and reply.action.kind == "hangup"
    assert not list(Database(tmp_path / "store.db").query("SELECT id FROM messages"))


@pytest.mark.parametrize("lines, message", [
    (["Tell them thanks, bye."], "Tell them thanks, bye."),  # words beside the goodbye are the message
    (["My crown fell out.", "No thanks, bye."], "My crown fell out."),  # no name: the message still goes
])
def test_a_goodbye_while_a_message_is_taken_keeps_what_the_caller_said(lines, message, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to leave a message", *lines)
    dialogue.close()
    rows = [r["text"] for r in Database(tmp_path / "store.db").query("SELECT text FROM messages")]
    assert rows == [message]


@pytest.mark.parametrize("answer, taken", [("It's Tom Baker, 555 9876", True),
                                           ("No, what are your opening hours?", False)])  # a no, then a question
def test_an_answer_with_content_to_a_check_is_a_yes_and_its_content_is_used(tmp_path, answer, taken):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "message"}))
    dialogue.greeting(UNKNOWN)
    replies = talk(dialogue, "I was wondering about the thing from last week", answer)
    assert replies[0] == wording.JUST_TO_CHECK.format(wish="leave a message")
    assert (dialogue.call.state.message is not None) == taken and replies[1] != wording.MESSAGE_WHO
    assert dialogue.call.state.message_name == ("Tom Baker" if taken else None)


def test_a_guess_nobody_confirms_counts_as_not_understood(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book"}))
    dialogue.greeting(UNKNOWN)
    reply_one = dialogue.respond("hmm the thing with the stuff", 0.9)
    dialogue.respond("no", 0.9)
    last = dialogue.respond("the other thing", 0.9)
    assert reply_one.text.startswith("Just to check")
    assert last.action is not None and last.action.kind == "transfer"


@pytest.mark.parametrize("model, lines", [
    ({"intent": "book"}, ["hmm the thing with the stuff", "no", "the other stuff"]),  # a guess refused, a miss
    ({"intent": "book", "name": "Great With Fields"}, ["I need a filling", "Great with fields.",
                                                       "No, it's great with fields.",
                                                       "Great with fields."]),  # a reading refused, no spelling
])
def test_a_second_miss_with_nobody_to_take_the_call_takes_the_next_words_as_the_message(model, lines, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model(model), can_transfer=False)
    dialogue.greeting(UNKNOWN)
    assert talk(dialogue, *lines)[-1] == wording.NO_TRANSFER
    assert dialogue.respond("I need an appointment to get the filling replaced.", 0.9).text == wording.MESSAGE_WHO
    assert dialogue.call.state.message == "I need an appointment to get the filling replaced."


def test_goodbyes_end_the_call_and_a_no_to_anything_else_too(tmp_path):
    for line in ("Thanks, bye.", "No, that's all, thank you.", "Great, have a good day.", "Okay thank you, buy.",
                 "Thanks, that's all my-"):  # its last word cut off
        assert rule_intent(line) == "goodbye", line
    for line in ("Where can I buy a toothbrush?", "I'd like to buy", "Thanks, that's all, but can I as-",
                 "No thank you, bu-"):
        assert rule_intent(line) != "goodbye", line
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "What are your opening hours?")
    assert dialogue.respond("Nope.", 0.9).action.kind == "hangup"


def test_no_slot_within_the_lead_time_is_offered(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    now = NOW.replace(hour=13, minute=55)
    dialogue = new_call(db, MARIA, now=now)
    talk(dialogue, "I need a check-up today", "yes")
    offered = dialogue.call.state.offered or [dialogue.call.state.chosen]
    assert offered and all(o.starts_at >= now + timedelta(minutes=60) for o in offered)


def test_the_recogniser_is_told_what_the_answer_may_hold_never_the_agent_words(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    assert "cleaning" in dialogue.hint() and "Dr. Patel" in dialogue.hint()  # what they want, whom to see
    hints = []
    for line in ("I'd like to book a cleaning", "Tom Baker", "May 2nd 1990", "T O M", "B A K E R", "Monday morning"):
        dialogue.respond(line, 0.9)
        hints.append(dialogue.hint())
    assert [h.split(": ")[1] for h in hints] == [hints_module.NAME, hints_module.DATE_OF_BIRTH, hints_module.SPELLED,
                                                 hints_module.SPELLED, hints_module.DAYS, hints_module.DAYS]
    assert all(h.startswith("Riverside Dental: ") and "Dr." not in h for h in hints)


def test_emergencies_are_caught_in_common_words_and_mishearings():
    for said in ("My face is swollen and I can't breathe properly", "my tooth got knocked out playing hockey",
                 "it won't stop bleeding", "I can't breed", "his jaw is swelling up", "the pain was awful all night",
                 "the pain's just unbearable"):
        assert rule_intent(said) == "emergency", said


def up_to_the_read_back(db) -> object:  # noqa: ANN001
    dialogue = new_call(db, MARIA)
    replies = talk(dialogue, "I'd like to book a check-up", "yes", "tomorrow morning", "the first one")
    assert "Shall I go ahead" in replies[-1]
    return dialogue


def booked(db) -> int:  # noqa: ANN001
    return db.execute("SELECT COUNT(*) FROM appointments WHERE status = 'booked'").fetchone()[0]


def test_a_no_dressed_as_a_yes_books_nothing_and_a_yes_with_closing_words_books(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    before = booked(db)
    for line in ("Hmm, that's not right", "I'm not sure", "Definitely not, I work then", "Absolutely not!"):
        dialogue = up_to_the_read_back(db)
        dialogue.respond(line, 0.9)
        assert booked(db) == before, line
    dialogue = up_to_the_read_back(db)
    assert dialogue.respond("Yes, that's it", 0.9).action is None and booked(db) == before + 1


def test_a_message_that_ends_in_bye_is_taken_and_a_second_booking_for_a_husband_asks_who(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to leave a message", "Tell Dr Patel I will be ten minutes late tomorrow. Thanks, bye.")
    assert dialogue.call.state.message is not None
    family = new_call(db, MARIA)
    replies = talk(family, "I need to book a filling for my husband Carlos")
    assert replies[0] == wording.ASK_NAME and family.call.state.contact is None


def test_mild_swelling_is_a_booking_not_an_emergency():
    assert rule_intent("my gums have been a bit swollen lately, can I book a cleaning?") == "book"
    assert rule_intent("his jaw is swelling up and he's in agony") == "emergency"
    assert rule_intent("my gum is swollen but it doesn't hurt, can I come in this week?") == "book"
    assert rule_intent("the swelling went down and it no longer hurts so much, can I book a check-up?") == "book"
    assert rule_intent("my gum was swollen last week but it's not so painful now, I'd like a cleaning") == "book"


@pytest.mark.parametrize("said", ["my son's whole lip swells and it really hurts",
                                  "the swelling came back overnight and it's so painful",
                                  "my knee is swollen up and it hurts so much",  # whatever swells, as heard
                                  "it hurts a lot and it's swelled up"])
def test_a_swelling_that_hurts_a_lot_is_an_emergency(said):
    assert rule_intent(said) == "emergency"


def test_a_last_name_spelled_beside_a_name_only_the_model_reads_replaces_the_words_it_spells(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book", "name": "Grace With Fields"}))
    dialogue.greeting(UNKNOWN)
    replies = talk(dialogue, "I need a filling", "No, it's great with fields, W-H-I-T-F-I-E-L-D.")
    assert replies[-1] == wording.IS_YOUR_NAME.format(name="Grace Whitfield")


def test_the_same_wish_again_at_a_closed_clinic_leads_to_a_message_that_is_taken(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA, can_transfer=False)
    # the same day again is a pick not heard: asked again, then one time at a time, then handed over
    replies = talk(dialogue, "I'd like a cleaning", "yes", "a new one", *["Monday morning"] * 5)
    assert replies[-3].startswith(wording.ONE_AT_A_TIME) and replies[-1] == wording.NO_TRANSFER
    dialogue.respond("Please call me about a morning slot next week.", 0.9)
    rows = [r["text"] for r in Database(tmp_path / "store.db").query("SELECT text FROM messages")]
    assert rows == ["Please call me about a morning slot next week."]


def test_times_turned_down_are_offered_again_when_the_caller_asks_for_them_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    replies = talk(dialogue, "I'd like a cleaning", "yes", "a new one", "Monday morning")
    offered = replies[-1].removeprefix("I have ")
    replies = talk(dialogue, "no, those won't do", "Monday morning then", "no", "Monday morning, please")
    assert replies[1].startswith(wording.ONE_FREE) and replies[1].endswith("Shall I go ahead?")  # not near those
    assert replies[3] == f"{wording.ONLY_TIMES} {offered}"  # not "nothing then"
    talk(dialogue, "the first one", "yes")
    assert dialogue.call.state.outcome == "booked"


def test_times_turned_down_again_and_again_end_in_a_hand_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA, can_transfer=False)
    replies = talk(dialogue, "I'd like a cleaning", "yes", "a new one", *["Monday morning", "no"] * 3, "Monday morning")
    assert replies[7].startswith(wording.ONLY_TIMES) and replies[9] == wording.NO_TRANSFER


def test_misses_count_again_once_the_name_is_understood(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book", "name": "Grace With Field"}), can_transfer=False)
    dialogue.greeting(UNKNOWN)
    replies = talk(dialogue, "I need a filling", "Grace with field", "No, it's Grace Whitfield.", "um")
    assert replies[1] == wording.IS_YOUR_NAME.format(name="Grace With Field")
    assert replies[3].startswith(wording.DOB_AGAIN)  # the first miss at this step, not the second of the call


@pytest.mark.parametrize("no", ["No, it's grace what field.", "No."])
def test_a_name_reading_refused_is_spelled_not_read_again_nor_handed_over(no, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book", "name": "Grace With Field"}))
    dialogue.greeting(UNKNOWN)
    replies = talk(dialogue, "I need a filling", "Grace with field", no, "W-H-I-T-F-I-E-L-D.", "March 3rd 1985",
                   "G R A C E")
    assert replies[2:4] == [wording.NAME_SPELL_AFTER_NO, wording.DOB_AFTER_SPELLING]
    assert dialogue.call.state.name == "Grace Whitfield"


def test_the_first_word_of_a_name_reading_refused_is_heard_for_the_first_name_spelled(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book", "name": "Grace With Field"}))
    dialogue.greeting(UNKNOWN)
    talk(dialogue, "I need a filling", "Grace with field", "No.", "W H I T F I E L D", "March 3rd 1985",
         "G R E C E")  # the letters a little off: the word heard before confirms them
    assert dialogue.call.state.name == "Grace Whitfield"


def test_a_name_reading_refused_with_the_letters_takes_them(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book", "name": "Grace With Field"}))
    dialogue.greeting(UNKNOWN)
    replies = talk(dialogue, "I need a filling", "Grace with field", "No, W H I T F I E L D.")
    assert replies[-1] == wording.DOB_AFTER_SPELLING and dialogue.call.state.name == "Whitfield"


def test_a_name_reading_refused_then_not_spelled_either_is_handed_over_without_reading_it_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    model = Model({"intent": "book", "name": "Grace With Field"})
    dialogue = make_dialogue(db, model)
    dialogue.greeting(UNKNOWN)
    talk(dialogue, "I need a filling", "Grace with field", "No, it's grace what field.")
    readings = len(model.prompts)
    last = dialogue.respond("grace what field", 0.9)
    assert last.action is not None and last.action.kind == "transfer"
    assert len(model.prompts) == readings  # a second reading could only be the second miss


@pytest.mark.parametrize("no", ["No, it's wrong.", "No, that's not close."])
def test_a_no_that_says_the_reading_is_wrong_is_no_name(no, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book", "name": "Grace With Field"}))
    dialogue.greeting(UNKNOWN)
    replies = talk(dialogue, "I need a filling", "Grace with field", no)
    assert replies[-1] == wording.NAME_SPELL_AFTER_NO


def test_a_cant_at_the_cancel_question_is_asked_again_not_taken_for_a_no(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    replies = talk(dialogue, "I need to cancel my appointment", "Maria Lopez", "May 3rd 1980",
                   "Rest can't soar please.", "yes")
    assert replies[3] == wording.CANCEL_AGAIN
    assert dialogue.call.state.outcome == "cancelled"


@pytest.mark.parametrize("said, kept", [("wait, don't cancel it", True), ("no, keep it", True), ("hold on", True),
                                        ("can't so please", None)])
def test_a_no_at_the_cancel_question_keeps_it_unless_it_rests_on_a_cant(said, kept, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    reply = talk(dialogue, "I need to cancel my appointment", "Maria Lopez", "May 3rd 1980", said)[-1]
    assert reply == wording.CANCEL_AGAIN if kept is None else reply.startswith(wording.KEEP_IT)


@pytest.mark.parametrize("answer, intent", [("No, I'd rather move the one I have", "reschedule"),
                                            ("I want to check my appointment", "confirm"),
                                            ("Yes, another one please", "book"),
                                            # "move" misheard: the one they have, named as asked, is moved
                                            ("No, I like the movie one I have.", "reschedule"),
                                            ("No, I'd like to change the one I've got.", "reschedule"),
                                            ("Keep the one I have and book another.", "book"),
                                            ("No, I'll keep the one I have.", None)])  # neither: asked again
def test_a_patient_who_has_the_service_booked_is_asked_whether_to_book_another(answer, intent, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    replies = talk(dialogue, "I'd like to book a cleaning", "yes", answer)
    assert replies[1] == wording.ALREADY_BOOKED.format(service="cleaning")
    if intent is None:
        assert replies[2] == wording.ANOTHER_AGAIN.format(service="cleaning")
        return
    assert dialogue.call.state.intent == intent
    if intent != "book":  # a move or a check needs the patient's name and date of birth first
        assert replies[2] == wording.ASK_NAME_FOR_SECURITY
    assert not list(db.query("SELECT id FROM appointments WHERE source = 'phone_agent'"))


def test_a_caller_registered_on_the_call_who_then_cancels_spells_the_last_name_and_is_found(tmp_path):
    # "take it off the books" heard "take a doctor book" began a booking; Walter Brooks, on
    # another phone and heard "Walter Brut", was registered anew, and his cancel found nothing
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "Could you take a doctor book?", "John Brut", "November 20th, 1975", "J-O-H-N",
                   "B-R-U-T", "I'd like to cancel my appointment.")
    assert dialogue.call.state.step == Step.SPELL
    assert replies[-1] == wording.NOT_UNDER_NAME.format(name="John Brut")
    replies = talk(dialogue, "S-M-I-T-H.", "The first one.", "Yes, please.")
    assert dialogue.call.state.contact.name == "John Smith" and dialogue.call.state.outcome == "cancelled"
    assert replies[-1].startswith("Done.")


def test_the_record_registered_on_the_call_is_left_out_when_the_caller_is_looked_up_again(tmp_path):
    # a spelling near both John Smith and the record just made for him ("John Smyth") found neither
    db, _ = build_store(tmp_path / "store.db")
    records = make_dialogue(db).records
    spare = records.new_contact("John Smyth", "1975-11-20", UNKNOWN)
    assert records.find_contact("John Smithe", "1975-11-20") is None  # two alike: none
    assert records.find_contact("John Smithe", "1975-11-20", besides=spare.id).name == "John Smith"
    db, _ = build_store(tmp_path / "other.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "Could you take a doctor book?", "John Brut", "November 20th, 1975", "J-O-H-N", "B-R-U-T",
         "I'd like to cancel my appointment.")
    assert dialogue.call.state.misregistered is not None and dialogue.call.state.contact is None


def test_a_caller_registered_on_the_call_spelled_again_as_before_is_found_nowhere_else_and_handed_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to book an appointment.", "Anna Weber", "June 1st, 1990", "A-N-N-A", "W-E-B-E-R",
         "Actually, I'd like to cancel my appointment.")
    reply = dialogue.respond("W-E-B-E-R.", 0.9)  # the record made on this call is not theirs: nobody else is
    assert reply.action.kind == "transfer" and "no record was found" in reply.action.reason
    assert db.execute("SELECT COUNT(*) FROM contacts WHERE name = 'Anna Weber'").fetchone()[0] == 1


@pytest.mark.parametrize("said, intent", [("O, actually never mind.", "goodbye"), ("Thanks that's all by.", "goodbye"),
                                          ("Oh, actually never mind, and that's all, bye.", "goodbye"),
                                          ("Never mind, I want to book a cleaning", "book"),
                                          ("I'd like to get my teeth clean please.", "book")])
def test_how_the_recogniser_writes_closings_and_requests(said, intent):
    assert rule_intent(said) == intent


def test_an_apology_and_goodbye_asked_who_is_calling_ends_the_call_not_a_name(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=False)
    talk(dialogue, "Can I leave a message?", "I was trying to order a pizza.")
    assert dialogue.respond("Sorry about that, bye.", 0.9).action.kind == "hangup"
    dialogue.close()


@pytest.mark.parametrize("said", ["Sorry to bother you.", "Sorry about that.", "My mistake."])
def test_an_apology_alone_is_no_goodbye(said):
    assert rule_intent(said) is None


@pytest.mark.parametrize("said", ["Hmm, not okay.", "That's not great either."])
def test_not_okay_is_no_yes(said):
    assert yes_or_no(said) is not True


@pytest.mark.parametrize("lines", [["Can I leave a message?"],
                                   # "So, I've been Kite Nile from around Hamburg" was taken as the message
                                   ["Can I leave a message?", "So, I've been Kite Nile from around Hamburg."]])
def test_a_wrong_number_said_while_a_message_is_taken_ends_the_call_and_writes_nothing(lines, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=False)
    talk(dialogue, *lines)
    assert dialogue.respond("Oops, wrong number. Bye.", 0.9).action.kind == "hangup"
    dialogue.close()
    assert not list(Database(tmp_path / "store.db").query("SELECT id FROM messages"))


def test_an_answer_asking_for_something_else_is_no_yes_to_a_booking(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, Model({"intent": "book"}))
    dialogue.greeting(MARIA)
    assert dialogue.respond("Am I still looking for next week?", 0.9).text == wording.JUST_TO_CHECK.format(
        wish="book an appointment")
    reply = dialogue.respond("You know, I want to check my avoidance.", 0.9)
    assert reply.action.kind == "transfer" and "did not understand" in reply.action.reason  # the second miss
    assert dialogue.call.state.intent != "book"


def test_a_name_and_date_of_birth_given_with_the_request_are_not_asked_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    [reply] = talk(dialogue, "Hello, this is Grace Porter, born March 9th, 1975, and I need a filling on Thursday "
                             "afternoon.")
    s = dialogue.call.state
    assert reply == wording.SPELL_FIRST_NAME and (s.name, s.date_of_birth) == ("Grace Porter", "1975-03-09")
    known = new_call(db, UNKNOWN)
    [reply] = talk(known, "My name is Maria Lopez, I want to cancel my appointment.")
    assert reply == wording.DOB_AFTER_NAME.format(first_name="Maria")
    assert talk(known, "May third, nineteen eighty")[0].startswith("You have ") and known.call.state.verified


def test_a_request_that_names_nobody_or_someone_else_is_followed_by_the_name_question(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    for said in ("This is about my appointment, I need to cancel it.", "Hi, this is for my son Tom Baker, he needs a "
                 "check-up.", "My name is on the list, I'd like a cleaning."):
        dialogue = new_call(db, UNKNOWN)
        assert talk(dialogue, said)[0] == wording.ASK_NAME, said


def test_a_date_of_birth_asked_whole_is_what_the_recogniser_is_told_to_expect(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    assert dialogue.expected() is None
    talk(dialogue, "I'd like to book a check-up.", "Walter Brooks.")
    expected = dialogue.expected()
    assert expected.readable("It's the 9th of November, 1964.") and not expected.readable("Permanent Perman")
    talk(dialogue, "November 1964.")  # part of it heard: the rest is no whole date
    assert dialogue.expected() is None


def test_a_date_of_birth_not_heard_can_be_keyed_in_told_once(tmp_path):
    # "797B view" (for "seven nine seventy two"), twice: the caller was handed over
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    first = talk(dialogue, "I'd like to book a check-up.", "John Smith.")[-1]
    assert "key" not in first and dialogue.takes_digits()
    again = talk(dialogue, "797B view")[-1]
    assert again == wording.DOB_AGAIN + (" Or would you rather key your date of birth in on the keypad: eight digits, "
                                         "month, day and year?")
    assert [dialogue.dtmf(key) for key in "1120197"] == [None] * 7
    assert dialogue.dtmf("5").text == wording.ALREADY_BOOKED.format(service="check-up")  # John Smith, verified
    assert dialogue.call.state.date_of_birth == "1975-11-20" and not dialogue.takes_digits()
    assert dialogue.dtmf("0").action.kind == "transfer"  # elsewhere, 0 is still the front desk
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to book a check-up.", "John Smith.", "797B view", "Sorry, 1975.")
    assert "keypad" not in dialogue.call.state.last_question  # told once


@pytest.mark.parametrize("answer, asked", [("A feeling, please.", "filling"), ("Facilings.", "filling"),
                                           ("I'm not sure.", None)])
def test_a_service_heard_nearly_at_the_service_question_is_asked_about(answer, asked, tmp_path):
    # "Could I get in for a feeling sometime next week?": the service was asked again
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    reply = talk(dialogue, "I'd like to book an appointment.", "John Smith.", "November 20, 1975.", answer)[-1]
    if asked is None:
        assert reply.startswith("Which would you like")
        return
    assert reply == wording.IS_IT_SERVICE.format(service=wording.a(asked)) and dialogue.call.state.service is None
    talk(dialogue, "Yes.")
    assert dialogue.call.state.service.name == asked


def test_the_same_times_offered_a_third_time_are_read_back_one_at_a_time(tmp_path):
    # "Tonight, Miss Blackwung, please" for "The 9 o'clock one, please", three times: Friday's
    # times, tonight's, Friday's again, until the caller hung up
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    offer = talk(dialogue, "I'd like to book a cleaning.", "John Smith.", "November 20, 1975.",
                 "Friday, around 10 in the morning.")[-1]
    assert offer.startswith("I have Friday") and "Which would you prefer?" in offer
    talk(dialogue, "Tonight, Miss Blackwung, please.")
    assert talk(dialogue, "No, that doesn't work for me. Friday, around 10 in the morning.")[-1] == offer
    talk(dialogue, "Tonight, Miss Blackwung, please.")
    again = talk(dialogue, "No, that doesn't work for me. Friday, around 10 in the morning.")[-1]
    assert again.startswith(f"{wording.ONE_AT_A_TIME} So that's Friday") and again.endswith("Shall I go ahead?")
    assert talk(dialogue, "No.")[-1].startswith(wording.HOW_ABOUT.split("{")[0].strip())


def test_a_date_of_birth_that_did_not_match_is_asked_again_with_the_keypad_offered(tmp_path):
    # "August 8, 1970" heard twice for "August 8th, 1977": the patient was handed over
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    talk(dialogue, "I'd like to cancel my appointment.", "Maria Lopez.", "January first 1990.")
    assert talk(dialogue, "M A R I A.")[-1] == wording.NO_MATCH
    again = talk(dialogue, "Maria Lopez.")[-1]
    assert again.endswith(" Or would you rather key your date of birth in on the keypad: eight digits, "
                          "month, day and year?") and dialogue.takes_digits()


@pytest.mark.parametrize("reading, heard, readable", [
    ("It's July 4th, 1980.", "It's your life, 4th, 1980.", True), ("August 31st, 1966.", "August to 31st, 1966.", True),
    ("August 31st, 1966.", "August, the 33rd, 1936.", False),  # its year was heard, and another
    ("May 1st, 1990.", "May, April, 1931.", False), ("12, 3, 80.", "Drift well, free-aided.", True)])
def test_another_reading_of_a_date_of_birth_keeps_what_the_first_held(reading, heard, readable):
    assert DateOfBirthAsked(False, NOW.date()).readable(reading, heard) is readable


@pytest.mark.parametrize("answer, then", [("Yes.", wording.SPELL_FIRST_NAME), ("No.", wording.DOB_AGAIN)])
def test_a_date_of_birth_from_a_less_likely_reading_is_checked_with_the_caller(answer, then, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to book a check-up.", "Walter Brooks.")
    checked = dialogue.respond("March 3rd, 1986.", 0.4, alternative=True).text
    assert checked == wording.IS_YOUR_DOB.format(date="March 3rd, 1986")
    assert dialogue.call.state.date_of_birth is None
    assert talk(dialogue, answer)[0].startswith(then)
    assert dialogue.call.state.date_of_birth == ("1986-03-03" if answer == "Yes." else None)


def test_the_wrong_number_at_the_callback_question_is_the_callback_numbers_and_the_message_is_kept(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=False)
    talk(dialogue, "Can I leave a message?", "Please call me about my bill.", "Anna Kowalski.", "K O W A L S K I.")
    reply = dialogue.respond("No, that's the wrong number, call my cell.", 0.9)
    assert reply.action is None and reply.text == wording.CALLBACK_ASK
    dialogue.close()
    texts = [row["text"] for row in Database(tmp_path / "store.db").query("SELECT text FROM messages")]
    assert len(texts) == 1 and texts[0].startswith("Please call me about my bill.")
