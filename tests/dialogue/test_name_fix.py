"""A new patient's name put right at the booking's read-back: the record renamed, the booking read
back with the name and made only after a yes; the time turned down is still a time turned down,
and a record on file is never renamed from the phone."""

from __future__ import annotations

import pytest

from appliance.dialogue import wording
from appliance.dialogue.name_fix import fixed_name, spellings
from tests.dialogue.clinic import MARIA, build_store, new_call, talk
from tests.dialogue.scenarios import UNKNOWN

TO_READ_BACK = ("I'd like to book a check-up.", "Robert Seen.", "June 5th, 1982.", "R O B E R T.", "S E E N.",
                "Thursday morning.", "The first one, please.")


def read_back_to_a_new_patient(tmp_path):  # noqa: ANN001, ANN201
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    said = talk(dialogue, *TO_READ_BACK)
    assert said[-1].endswith("for Robert Seen. Shall I go ahead?")
    return db, dialogue


def booked_names(db) -> list[str]:  # noqa: ANN001
    return [r["name"] for r in db.query("SELECT c.name FROM appointments a JOIN contacts c ON c.id = a.contact_id "
                                        "WHERE a.status = 'booked' AND c.name NOT IN ('Maria Lopez', 'John Smith')")]


def test_a_name_put_right_at_the_read_back_renames_the_new_record_and_is_read_back_before_booking(tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    again = talk(dialogue, "No, the name is Robert Chen. C H E N.")[0]
    assert again.startswith(wording.SORRY_SO_THATS) and again.endswith("for Robert Chen. Shall I go ahead?")
    assert booked_names(db) == []
    assert talk(dialogue, "Yes, that's right.")[0].startswith("You're booked")
    assert booked_names(db) == ["Robert Chen"]
    renamed = db.execute("SELECT actor FROM audit_log WHERE action = 'update' AND entity = 'contact'").fetchall()
    assert renamed == [("phone_agent",)]


@pytest.mark.parametrize("answer, name", [("Yes, but the name is Robert Chen. C H E N.", "Robert Chen"),
                                          ("Yeah but it's Robert Chen.", "Robert Chen"),
                                          ("No, the name is Robert Patel.", "Robert Patel")])  # a dentist's surname
def test_a_yes_but_the_name_is_another_puts_the_name_right_and_books_nothing_yet(answer, name, tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    assert talk(dialogue, answer)[0].endswith(f"for {name}. Shall I go ahead?")
    assert booked_names(db) == []


@pytest.mark.parametrize("answer", ["Yes, but thanks.", "Yes please, but thank you."])
def test_a_yes_with_a_but_about_nothing_wrong_books(answer, tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    assert talk(dialogue, answer)[0].startswith("You're booked")
    assert booked_names(db) == ["Robert Seen"]


@pytest.mark.parametrize("answer", ["No, you have my name wrong.", "Yes, but the surname is Chen."])
def test_a_no_about_the_name_with_nothing_to_read_asks_for_it(answer, tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    assert talk(dialogue, answer)[0] == wording.NAME_FIX
    assert talk(dialogue, "Robert Chen.")[0].endswith("for Robert Chen. Shall I go ahead?")


def test_the_name_said_again_as_it_was_heard_is_asked_spelled_then_handed_over(tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    spell = wording.NAME_FIX_SPELL.format(name="Robert Seen")
    assert talk(dialogue, "No, the name is Robert Seen.", "Robert Seen.") == [wording.NAME_FIX, spell]
    assert talk(dialogue, "C H E N.")[0].endswith("for Robert Chen. Shall I go ahead?")
    _, again = read_back_to_a_new_patient(tmp_path / "again")
    talk(again, "No, the name is Robert Seen.", "Robert Seen.")
    spelling = again.spelled()  # letters expected, not weighed against the name refused
    assert again.call.state.step.value == "name_fix_spell" and spelling is not None and spelling.heard == ()
    assert again.respond("S E E N.", 0.9).action.kind == "transfer"  # spelled as before: a person takes over


def test_a_yes_when_asked_for_the_name_reads_the_booking_back_as_it_is(tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    talk(dialogue, "No, you have my name wrong.")
    assert talk(dialogue, "Never mind, it's fine.")[0].endswith("for Robert Seen. Shall I go ahead?")
    assert db.execute("SELECT name FROM contacts WHERE id > 2").fetchall() == [("Robert Seen",)]


def test_asked_for_the_name_after_a_miss_the_caller_is_not_handed_over_at_once(tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    dialogue.call.state.not_understood = 1  # a miss earlier on
    assert talk(dialogue, "No, you have my name wrong.")[0] == wording.NAME_FIX


def test_a_name_found_on_file_takes_that_record_not_a_second_one(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    said = talk(dialogue, "I'd like to book a check-up.", "Maria Lump.", "May 3rd, 1980.", "M A R I A.", "L U M P.",
                "Thursday morning.", "The first one, please.", "No, the name is Maria Lopez. L O P E Z.", "Yes.")
    assert "for Maria Lopez. Shall I go ahead?" in said[-2] and said[-1].startswith("You're booked")
    assert booked_names(db) == []  # booked for Maria Lopez's own record (id 1), which `booked_names` leaves out
    assert db.execute("SELECT COUNT(*) FROM appointments WHERE contact_id = 1 AND status = 'booked'").fetchone()[0] >= 1


@pytest.mark.parametrize("answer", ["No, the name is right, but I wanted the afternoon.",
                                    "Hmm, no, it's for my son, Jack Davies.", "No, P M.",
                                    "Yes, it's for my son, but the name is Tom Seen.",
                                    "Can I see Dr. Okafor instead?"])
def test_answers_about_other_things_are_no_name_fix(answer, tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    assert talk(dialogue, answer)[0] != wording.NAME_FIX
    assert db.execute("SELECT name FROM contacts WHERE id > 2").fetchall() == [("Robert Seen",)]


def test_a_no_to_the_time_is_still_a_no_to_the_time(tmp_path):
    db, dialogue = read_back_to_a_new_patient(tmp_path)
    assert talk(dialogue, "No, I'd rather come on Friday morning.")[0].startswith("I have Friday")
    assert db.execute("SELECT name FROM contacts WHERE id > 2").fetchall() == [("Robert Seen",)]


def test_a_record_on_file_is_not_renamed_from_the_phone(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    said = talk(dialogue, "I'd like to book a filling.", "Yes.", "Thursday morning.", "The first one, please.",
                "No, the name is Anna Lopez.")
    assert "for Maria Lopez. Shall I go ahead?" in said[-2] and wording.WHEN_ELSE in said[-1]
    assert db.execute("SELECT name FROM contacts WHERE id = 1").fetchone() == ("Maria Lopez",)


@pytest.mark.parametrize(("refused", "said", "spelled", "name"), [
    ("Robert Seen", "Robert Chen", "No, C H E N.", "Robert Chen"),  # said and spelled alike
    ("Robert Seen", None, "C-H-E-N.", "Robert Chen"),  # spelled only: the part it is nearest
    ("Ema Devier", "Emma Davies", "E-M-A. D-A-V-I-E-S.", "Emma Davies"),  # letters heard as before: the words
    ("Ema Devier", None, "E-M-M-A. D-A-V-I-E-S.", "Emma Davies"),  # two spelled: first and last
    ("Nathan Holloway", "Megan Holloway", "M-E-N.", "Megan Holloway"),  # letters nearly the word said
    ("Robert Seen", "Robert Seen", "C-H-E-N.", "Robert Chen"),  # heard as before: the letters
    ("Nathan Holloway", "Maiden Holloway", "M-E-G-A-N-H-O-L-L-O-W-A-Y.", "Megan Holloway"),  # one run: cut in two
    ("Ema Devier", None, "", "Ema Devier"),  # nothing to read
    ("Siobhan Oneal", None, "O, apostrophe, N E I L L.", "Siobhan O'Neill"),  # the apostrophe kept
])
def test_the_name_after_a_no_weighs_the_words_said_with_the_letters(refused, said, spelled, name):
    assert fixed_name(refused, said, spellings(spelled)) == name
