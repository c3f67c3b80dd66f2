"""A name part from the word heard and its spelling over a phone line, where rhyming letters
(B D P T, F S, M N ...) are confused and letters are dropped or doubled."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.dialogue import wording
from appliance.dialogue.identity import both_spelled
from appliance.dialogue.name_spelling import (
    SOUNDED_ALIKE,
    WEIGHED,
    NameSpelling,
    best_spelling,
    corrected,
    heard_instead,
    respelled,
    spelling_cost,
)
from appliance.dialogue.spelling import spelled_word
from appliance.models.stt_whisper import respelled_text, spelled_out
from tests.dialogue.clinic import MARIA, build_store, new_call, talk
from tests.dialogue.scenarios import UNKNOWN

FAST = pytest.mark.filterwarnings("ignore")


def test_rhyming_letters_cost_less_than_others_and_a_dropped_letter_less_than_a_wrong_one():
    assert spelling_cost("Bridget", "BRIDGET") == 0
    assert spelling_cost("Bridget", "DRIDGET") < spelling_cost("Bridget", "KRIDGET")
    assert spelling_cost("Thompson", "TOMPFON") < spelling_cost("Thompson", "TOMPRON")
    assert spelling_cost("Bridget", "BRIGET") < spelling_cost("Bridget", "BROLGET")
    assert spelling_cost("", "ABC") == 1.0


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12),
       st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12))
def test_the_cost_is_symmetric_and_bounded(a, b):
    assert spelling_cost(a, b) == pytest.approx(spelling_cost(b, a))
    assert 0 <= spelling_cost(a, b) <= 1.0 + 1e-9


@pytest.mark.parametrize(("heard", "spelled", "first", "name"), [
    ("Bridget", "Dridget", True, "Bridget"),  # a rhyming letter confirms the word heard
    ("Thompson", "Thomfson", False, "Thompson"),  # a dropped and a rhyming letter
    ("Oscar", "Osscar", True, "Oscar"),  # a doubled letter
    ("Grate", "Grace", True, "Grace"),  # a listed name both hearings point at
    ("Harvey", "Harvey", True, "Harvey"),
    ("", "Zyxwq", False, "Zyxwq"),  # nothing heard, nothing listed near: the letters
])
def test_the_name_both_hearings_explain_best(heard, spelled, first, name):
    assert best_spelling(heard, spelled, first) == name


@pytest.mark.parametrize(("said", "name", "instead"), [
    ("Imran Khan", "Maren Ktln", "Imran Khan"),  # both parts like no word heard
    ("Omar Okafor", "Umberto Okafor", "Omar Okafor"),  # one part
    ("Grace Whitfield", "Grace Whytfeld", ""),  # rhyming letters: the words confirmed
    ("Sam Van Der Berg", "Sam Vanderberg", ""),  # the words after the first, together
    ("Sheriff Peter Olympus", "Peter Olympus", ""),  # a word heard before the first name, dropped
    ("Khan", "Imran Khan", ""),  # one word heard: nothing to put back
])
def test_a_part_like_no_word_heard_is_put_back_to_the_words(said, name, instead):
    assert heard_instead(said, name) == instead


@pytest.mark.parametrize(("said", "read", "name"), [
    ("Graith Whitfield", "Grace Whidsidlg", "Grace Whitfield"),  # each hearing mends the other's part
    ("Priya Raman", "Priya Ramam", "Priya Raman"),
    ("pretty rare man", "Priya Raman", "Priya Raman"),  # not two words: the reading stands
])
def test_a_name_said_again_after_a_no_is_weighed_with_the_spelling(said, read, name):
    assert corrected(said, read) == name


def test_the_spelled_part_is_the_one_the_spelling_is_nearest():
    assert respelled("Sheriff Oscar Whitaker", "Odcar", first=True) == "Oscar Whitaker"
    assert respelled("Anna Whitaker", "Whitaker", first=True) == "Anna Whitaker"  # the last name spelled
    assert respelled("Anna Whitacre", "Whitaker") == "Anna Whitaker"
    assert respelled("", "Lopez") == "Lopez"


def test_capitals_in_hyphened_groups_are_letters_only_where_a_spelling_was_asked():
    assert spelled_word("TRAC-E.", asked=True) == "Trace"
    assert spelled_word("FOS-TDR.", asked=True) == "Fostdr"
    assert spelled_word("TRAC-E.") is None
    assert spelled_word("my X-RAY") is None


def test_a_name_given_in_the_answer_to_whose_appointment_it_is_is_used(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    replies = talk(dialogue, "I'd like to book a check-up", "No, it's for me, Oscar Whitaker.")
    assert replies[1] == wording.DOB_AFTER_NAME.format(first_name="Oscar")
    assert dialogue.call.state.name == "Oscar Whitaker" and dialogue.call.state.contact is None


def test_a_name_not_understood_is_spelled_and_a_new_patient_books_under_both_names(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "I'd like to book a cleaning", "Made in tall and way.", "H-O-L-L-O-W-A-I.",
                   "June 2nd 1990", "N-E-G-A-N.")
    assert replies[1] == wording.NAME_SPELL and replies[2] == wording.DOB_AFTER_SPELLING
    assert replies[3] == wording.SPELL_FIRST_NAME
    assert dialogue.call.state.name == "Megan Holloway"  # rhyming letters, listed names
    assert dialogue.call.state.contact.name == "Megan Holloway" and dialogue.call.state.verified


def test_a_name_spelled_unasked_after_it_was_said_respells_it_and_the_date_of_birth_is_asked_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    replies = talk(dialogue, "I'd like to book a cleaning", "It's Oscar Whittaker.", "W. H. I. T. A. K. E. R.",
                   "March 4th 1985", "O S C A R")
    assert replies[2] == wording.DOB_AFTER_SPELLING and dialogue.call.state.not_understood == 0
    assert replies[3] == wording.SPELL_FIRST_NAME and replies[4] != wording.SPELL_LAST_NAME  # spelled already
    assert dialogue.call.state.contact.name == "Oscar Whitaker"
    told = new_call(build_store(tmp_path / "other.db")[0], UNKNOWN)  # the first call registered this number
    assert talk(told, "I need to cancel my appointment", "Maria Lopes", "L O P E Z, May 3rd 1980")
    assert told.call.state.verified and told.call.state.contact.name == "Maria Lopez"


def test_a_known_patient_whose_name_is_not_understood_is_found_by_the_spellings(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I need to cancel my appointment", "Field in the North.", "L O P E Z", "May 3rd 1980", "M A R I A")
    assert dialogue.call.state.verified and dialogue.call.state.contact.name == "Maria Lopez"


def test_a_name_heard_unclearly_twice_is_spelled_and_unclear_letters_are_handed_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=True)
    talk(dialogue, "I need to cancel my appointment")
    unclear = [dialogue.respond("Henna Kellel", 0.1).text for _ in range(2)]
    assert unclear == [wording.LINE_UNCLEAR, wording.NAME_SPELL]
    assert talk(dialogue, "L O P E Z", "May 3rd 1980", "M A R I A")[0] == wording.DOB_AFTER_SPELLING
    assert dialogue.call.state.verified and dialogue.call.state.contact.name == "Maria Lopez"
    again = new_call(db, UNKNOWN, can_transfer=True)
    talk(again, "I need to cancel my appointment")
    replies = [again.respond(line, 0.1) for line in ("Henna Kellel", "Henna Kellel", "L O P E Z")]
    assert replies[2].action is not None and replies[2].action.kind == "transfer"


def test_a_new_patient_s_names_spelled_unclearly_twice_keep_the_name_as_heard(tmp_path):
    # "Robert Chen" heard right, then "R-L-D-D-R-T" and "P-E-T-N" heard unclearly in noise: the
    # unclear letters are not used, and the name heard is read back before anything is booked
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=True)
    assert talk(dialogue, "I'd like to book a check-up", "Robert Chen", "June 5th 1982")[-1] == wording.SPELL_FIRST_NAME
    first = [dialogue.respond("R-L-D-D-R-T.", 0.1) for _ in range(2)]
    assert first[0].text == wording.SPELL_FIRST_NAME and first[1].text == wording.SPELL_LAST_NAME
    last = [dialogue.respond("P-E-T-N.", 0.1) for _ in range(2)]
    assert last[0].text == wording.SPELL_LAST_NAME and last[1].action is None
    s = dialogue.call.state
    assert s.registered and s.contact.name == "Robert Chen" and s.low_confidence == 0


def test_on_the_patients_own_phone_a_last_name_spelled_and_the_exact_date_of_birth_are_enough(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    for born, verified in (("May 3rd 1980", True), ("June 9th 2004", False)):  # a family member: first name asked
        dialogue = new_call(db, MARIA)
        talk(dialogue, "I need to cancel my appointment")
        assert [dialogue.respond("Mara Lopes", 0.1).text for _ in range(2)][-1] == wording.NAME_SPELL
        replies = talk(dialogue, "L O P E S", born)
        assert dialogue.call.state.verified == verified, replies
        assert (replies[-1] == wording.SPELL_FIRST_NAME) == (not verified)
        assert (dialogue.call.state.name == "Maria Lopez") == verified


def test_a_name_neither_said_nor_spelled_understandably_is_handed_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=True)
    replies = [dialogue.respond(line, 0.9) for line in ("I'd like to book a cleaning", "Made in tall and way.",
                                                         "We go ahead.")]
    assert replies[1].text == wording.NAME_SPELL
    assert replies[2].action is not None and replies[2].action.kind == "transfer"


def test_a_listed_name_spelled_in_full_is_taken_and_a_one_word_name_gets_the_part_spelled():
    assert best_spelling("Ken", "Chen", first=False) == "Chen"
    assert respelled("Namadeh", "Davies") == "Namadeh Davies"  # the word heard may be the first name
    assert respelled("Namadeh", "Emma", first=True) == "Emma Namadeh"
    assert respelled("Davies", "Dafies") == "Davies"  # a spelling like the word confirms it


def test_a_spelling_like_no_word_heard_spells_the_part_asked_for_and_a_last_name_may_span_two_words():
    assert respelled("Rosa Kind", "Edith", first=True) == "Edith Kind"
    assert respelled("Rosa Kind", "Willis") == "Rosa Willis"
    assert respelled("Owen Bell ami", "Bellamy") == "Owen Bellamy"
    assert respelled("Ingrid Cole", "Ingrid") == "Ingrid Cole"  # the first name spelled when the last was asked
    assert respelled("Rosa Kind Hart", "Willis") == "Rosa Kind Willis"
    assert respelled("Doctor Ingrid Cole", "Ingrid") == "Ingrid Cole"


def test_the_recogniser_is_told_when_a_name_is_being_spelled(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to book a cleaning")
    assert not dialogue.spelled()
    talk(dialogue, "Oh when bell am I.")
    spelling = dialogue.spelled()
    assert spelling is not None and not spelling.first and spelling.heard[1:] == spelling.heard[1:2]
    talk(dialogue, "B-E-L-L-A-M-Y.")
    assert dialogue.spelled() is None  # the date of birth comes next


def test_the_recogniser_weighs_the_words_heard_then_listed_names_near_them_and_the_letters():
    spelling = NameSpelling.of("Rosa Kindt", first=False)
    assert spelling.heard == ("Kindt", "Rosa") and NameSpelling.of("Rosa Kindt", first=True).heard == ("Rosa", "Kindt")
    candidates = spelling.candidates("D-I-N-T-T.")
    assert candidates[:2] == [("Kindt", SOUNDED_ALIKE), ("Rosa", SOUNDED_ALIKE)], candidates
    assert len(candidates) == 2 + WEIGHED and {a for _, a in candidates} == {SOUNDED_ALIKE}
    assert spelling.candidates("K-I-N-D-T.") == []  # the word heard, spelled: nothing to weigh
    assert spelling.candidates("I'd like to speak to a person.") == []  # no letters
    listed = NameSpelling.of("", first=True).candidates("E-V-A-N.")  # a listed name read: others must beat it
    assert len(listed) == WEIGHED and {a for _, a in listed} == {0.0}, listed


def test_a_candidate_spells_the_readings_run_of_letters_in_place_and_accents_count_as_letters():
    assert respelled_text("No, it's K-E-T-E-N.", "Khan") == "No, it's K-H-A-N."
    assert respelled_text("K-H-A", "Khan") == "K-H-A-N"  # not closed with a stop: still not closed
    assert respelled_text("PR-I-Y", "Priya") == "P-R-I-Y-A"
    assert respelled_text("I'd like to speak to a person.", "Khan") == ""
    assert respelled_text("K-H-A-N.", "X") == ""  # too short to spell
    assert spelled_out("José") == "J-O-S-E" and spelled_out("O'Neill") == "O-N-E-I-L-L"
    assert best_spelling("O'Neill", "Oneill", first=False) == "O'Neill"  # as heard, apostrophe kept
    assert best_spelling("José", "Jose", first=True) == "José"


def test_both_names_spelled_in_one_answer_respell_each_part(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN)
    talk(dialogue, "I'd like to book a check-up", "It's Aiden Mack Carthy.", "June 2nd 1990",
         "A I D A N, and my last name is M C C A R T H Y.")
    assert dialogue.call.state.name == "Aidan Mccarthy" and dialogue.call.state.spelled
    asked_last = new_call(build_store(tmp_path / "other.db")[0], UNKNOWN)
    replies = talk(asked_last, "I'd like to book a check-up", "It's Aiden Mack Carthy.", "June 2nd 1990", "A I D E N",
                   "A I D A N. The surname is M C C A R T H Y.")
    assert replies[3] == wording.SPELL_LAST_NAME and asked_last.call.state.name == "Aidan Mccarthy"
    assert both_spelled("Aidan, the surname is Mack") is None and both_spelled("M C C A R T H Y") is None
