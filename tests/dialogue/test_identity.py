"""The name and date-of-birth check, on its own: a mismatch is refused, then handed over; only a
caller who books is registered as a new patient."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from appliance.crm.contacts import Contacts
from appliance.dialogue import wording
from appliance.dialogue.birthdate import BirthParts, birth_parts, heard_alike
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.identity import Identity, matches
from appliance.dialogue.reading import Reader
from appliance.dialogue.reply import Reply
from appliance.dialogue.state import Step
from tests.dialogue.clinic import MARIA, build_store, make_call
from tests.dialogue.scenarios import UNKNOWN


def identity_check(db: Database, caller: str, intent: str) -> Identity:
    call = make_call(db, caller)
    call.state.intent = intent
    call.state.contact = call.records.lookup_caller(caller)
    return Identity(call, Escalation(call, can_transfer=True, has_on_call=False), Reader(None))


def asked_to_spell(db: Database, caller: str, intent: str, name: str, born: str) -> Identity:
    """An identity check that has the name and date of birth and asks for the first name spelled."""
    identity = identity_check(db, caller, intent)
    identity.take_name(name)
    assert said(identity.take_date_of_birth(born)) == wording.SPELL_FIRST_NAME
    return identity


def asked_date_of_birth(tmp_path: Path) -> Identity:
    """A new caller's check, the name taken and the date of birth asked."""
    db, _ = build_store(tmp_path / "store.db")
    identity = identity_check(db, UNKNOWN, "book")
    identity.take_name("Walter Brooks")
    return identity


def said(reply: Reply) -> str:
    return reply.text


def test_a_mismatched_date_of_birth_is_refused_then_handed_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = identity_check(db, MARIA, "cancel")
    s = identity.call.state
    assert said(identity.question()) == wording.ASK_NAME_FOR_SECURITY and s.step == Step.NAME
    assert said(identity.take_name("Maria Lopez")) == wording.DOB_AFTER_NAME.format(first_name="Maria")
    assert said(identity.take_date_of_birth("January first 1990")) == wording.SPELL_FIRST_NAME
    assert said(identity.take_first_name_spelling("M A R I A")) == wording.NO_MATCH
    assert (s.step, s.name, s.verified) == (Step.NAME, None, False)
    identity.take_name("Maria Lopez")
    reply = identity.take_date_of_birth("the 3rd of May 1981")
    assert reply.action.kind == "transfer" and "did not match" in reply.action.summary and not s.verified


def test_the_right_name_and_date_of_birth_together_verify_the_caller(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = identity_check(db, MARIA, "reschedule")
    assert identity.take_name("my name is Maria Lopez, born May 3rd 1980") is None
    assert identity.call.state.verified and identity.question() is None


def test_both_the_name_and_the_date_of_birth_must_match(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    maria = identity_check(db, MARIA, "cancel").call.state.contact
    assert matches(maria, "maria  LOPEZ", "1980-05-03")
    assert not matches(maria, "John Smith", "1980-05-03") and not matches(maria, "Maria Lopez", "1980-05-04")


def test_a_new_caller_is_registered_to_book_but_not_to_cancel(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = identity_check(db, UNKNOWN, "book")
    assert said(booking.question()) == wording.ASK_NAME
    booking.take_name("Peter Parker")
    assert said(booking.take_date_of_birth("August tenth nineteen ninety")) == wording.SPELL_FIRST_NAME
    assert said(booking.take_first_name_spelling("P E T E R")) == wording.SPELL_LAST_NAME
    assert booking.take_spelling("P A R K E R") is None
    assert booking.call.state.contact.name == "Peter Parker" and booking.call.state.verified
    cancelling = identity_check(db, "+15550002222", "cancel")
    cancelling.take_name("Paula Parker")
    assert said(cancelling.take_date_of_birth("August tenth nineteen ninety")) == wording.SPELL_FIRST_NAME
    assert said(cancelling.take_first_name_spelling("P A U L A")) == wording.SPELL_LAST_NAME_TO_FIND
    reply = cancelling.take_spelling("P A R K E R")  # looked up again, spelled: still nobody
    assert reply.action.kind == "transfer" and "no record was found" in reply.action.reason
    assert cancelling.call.state.contact is None


def test_a_misheard_first_name_with_the_last_name_and_date_of_birth_is_spelled_to_verify(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, MARIA, "cancel", "Reese Lopes", "May 3rd 1980")
    assert identity.take_first_name_spelling("M A R I A") is None
    s = identity.call.state
    assert s.verified and s.contact.name == "Maria Lopez" and s.name == "Maria Lopez"


def test_letters_that_rhyme_over_the_line_still_spell_the_first_name_on_file(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, MARIA, "cancel", "Reese Lopes", "May 3rd 1980")
    assert identity.take_first_name_spelling("N-A-R-I-A.") is None  # M heard as N
    assert identity.call.state.verified and identity.call.state.contact.name == "Maria Lopez"


def test_a_last_name_heard_a_sound_off_from_another_phone_is_verified_by_the_spelled_first_name(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, UNKNOWN, "cancel", "Maria Lopp", "May 3rd 1980")
    assert identity.take_first_name_spelling("M A R I A") is None
    assert identity.call.state.verified and identity.call.state.contact.name == "Maria Lopez"


@pytest.mark.parametrize("heard, fits", [("Marie Lopp", True), ("Tina Lopp", False)])
def test_a_spelling_a_little_off_fits_when_the_first_name_heard_sounds_alike(heard, fits, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, UNKNOWN, "cancel", heard, "May 3rd 1980")
    identity.take_first_name_spelling("N-A-R-E")
    assert identity.call.state.verified is fits


def test_a_first_name_spelled_wrong_is_a_mismatch(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, MARIA, "cancel", "Reese Lopez", "May 3rd 1980")
    assert said(identity.take_first_name_spelling("P A U L A")) == wording.NO_MATCH
    assert not identity.call.state.verified


def test_a_spelled_first_name_picks_one_of_twins_without_caller_id(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    Contacts(db).add("Jane Smith", [], "1975-11-20")
    identity = asked_to_spell(db, UNKNOWN, "confirm", "The ome Smith", "November 20th 1975")
    assert len(identity.call.state.near) == 2
    assert identity.take_first_name_spelling("J-A-N-E.") is None
    assert identity.call.state.contact.name == "Jane Smith" and identity.call.state.verified


def test_someone_new_who_shares_a_last_name_and_birthday_books_as_new(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, UNKNOWN, "book", "Paula Smith", "November 20th 1975")
    assert said(identity.take_first_name_spelling("P A U L A")) == wording.SPELL_LAST_NAME
    assert identity.take_spelling("S M I T H") is None
    assert identity.call.state.contact.name == "Paula Smith"


def test_a_new_patient_spells_both_names_and_the_spelling_corrects_what_was_misheard(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = identity_check(db, UNKNOWN, "book")
    booking.take_name("Pretty Raiment")
    booking.take_date_of_birth("May 3rd 1975")
    assert said(booking.take_spelling("R-A-M-A-N.")) == wording.SPELL_FIRST_NAME
    check = booking.take_first_name_spelling("P R I Y A")  # nothing like the words heard: which was misheard?
    assert said(check) == wording.IS_YOUR_NAME.format(name="Pretty Raiment") and booking.call.state.contact is None
    assert booking.take_heard_yes("No, it's not.") is None
    assert booking.call.state.contact.name == "Priya Raman"
    garbled = identity_check(db, "+15550002222", "book")
    garbled.take_name("Grace Whitfield")
    garbled.take_date_of_birth("July 12th 1969")
    garbled.take_spelling("company and DRI")
    garbled.take_spelling("company and DRI")
    garbled.take_first_name_spelling("X Q Z")
    assert garbled.call.state.contact.name == "Grace Whitfield"  # a spelling nothing like the name is not used


def new_patient_spelling(db: Database, name: str, first: str, last: str,
                         for_whom: str = "") -> tuple[Identity, Reply]:
    """A new patient who booked, gave `name` and a date of birth and spelled `first` and `last`;
    `for_whom`: on a patient's phone, booking for someone else in these words."""
    booking = identity_check(db, MARIA if for_whom else UNKNOWN, "book")
    if for_whom:
        booking.take_for_whom(for_whom)
    booking.take_name(name)
    booking.take_date_of_birth("June 2nd, 1984")
    booking.take_first_name_spelling(first)
    return booking, booking.take_spelling(last)


@pytest.mark.parametrize(("answers", "name"), [
    (["Yes, that's me."], "Imran Khan"),
    (["Imran Khan."], "Imran Khan"),  # the name said back: a yes
    (["Nope."], "Maren Ktln"),
    (["Sorry, what?", "Yes."], "Imran Khan"),  # asked again once
    (["Sorry, what?", "Pardon?"], "Maren Ktln"),  # then the spelling stands
])
def test_a_name_heard_right_and_spelled_wrong_is_checked_with_the_caller(answers, name, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking, check = new_patient_spelling(db, "It's Imran Khan.", "M-A-R-E-N.", "K-T-L-N.")  # rhyming letters off
    assert said(check) == wording.IS_YOUR_NAME.format(name="Imran Khan")
    s = booking.call.state
    assert s.step == Step.CHECK_HEARD and s.contact is None
    *again, last = answers
    for answer in again:
        assert said(booking.take_heard_yes(answer)) == said(check) and s.contact is None
    assert booking.take_heard_yes(last) is None  # answered: registered, no miss
    assert (s.contact.name, s.verified, s.not_understood) == (name, True, 0)


def test_a_no_with_the_name_said_again_weighs_it_with_the_spelling(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking, check = new_patient_spelling(db, "Graceland Field.", "G-R-A-C-E.", "W-H-I-D-S-I-D-L-G.")
    assert said(check) == wording.IS_YOUR_NAME.format(name="Graceland Field")
    assert booking.take_heard_yes("No, it's Graith Whitfield, W-H-O-I-D-F.") is None
    assert booking.call.state.contact.name == "Grace Whitfield"


def test_the_check_asks_for_the_patients_name_when_booking_for_someone_else(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    _, check = new_patient_spelling(db, "Leo Brennan", "L-E-O.", "D-R-E-N-T-O-N.", for_whom="No, it's for my son.")
    assert said(check) == wording.IS_PATIENTS_NAME.format(name="Leo Brennan")


def test_a_name_the_caller_confirmed_is_not_checked_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = identity_check(db, UNKNOWN, "book")
    booking.call.state.reading, booking.call.state.step = (Step.NAME, "Imran Khan"), Step.CHECK_READING
    booking.take_reading_yes("Yes.")
    booking.take_date_of_birth("June 2nd, 1984")
    booking.take_first_name_spelling("M-A-R-E-N.")
    assert booking.take_spelling("K-T-L-N.") is None  # "Is your name Imran Khan?" was asked and answered


def test_a_spelling_alike_the_name_heard_asks_nothing_more(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = identity_check(db, UNKNOWN, "book")
    booking.take_name("Carlos Mendez")
    booking.take_date_of_birth("December 12, 1995")
    booking.take_first_name_spelling("C-A-R-L-O-S.")
    assert booking.take_spelling("M-E-N-T-E-Z.") is None  # a rhyming letter off: the word heard confirmed
    assert booking.call.state.contact.name == "Carlos Mendez"


def test_names_said_as_words_are_no_spelling_and_guess_nothing(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, UNKNOWN, "cancel", "Bob Smith", "November 20th 1975")
    guesses = "is it Michael, David, James, John or Robert"
    assert said(identity.take_first_name_spelling(guesses)) == wording.SPELL_FIRST_NAME
    assert said(identity.take_first_name_spelling(guesses)) == wording.SPELL_LAST_NAME_TO_FIND
    reply = identity.take_spelling("S M I T H")
    assert reply.action.kind == "transfer" and not identity.call.state.verified


def test_the_spelling_question_comes_whether_or_not_a_record_is_near(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    for name in ("Bob Smith", "Bob Jones"):  # John Smith's birthday: a Smith is on file, no Jones
        asked_to_spell(db, UNKNOWN, "confirm", name, "November 20th 1975")


def test_a_garbled_last_name_is_verified_by_the_spelled_first_name_on_the_phone_else_by_its_spelling(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, MARIA, "confirm", "Maria O'Grill", "May 3rd 1980")
    assert identity.take_first_name_spelling("M A R I A") is None and identity.call.state.verified
    stranger = identity_check(db, UNKNOWN, "confirm")  # from another phone, the last name is needed
    stranger.take_name("Maria O'Grill")
    stranger.take_date_of_birth("May 3rd 1980")
    assert said(stranger.take_first_name_spelling("M A R I A")) == wording.SPELL_LAST_NAME_TO_FIND
    assert stranger.take_spelling("L O P E Z") is None and stranger.call.state.verified  # the name misheard
    wrong = identity_check(db, UNKNOWN, "confirm")
    wrong.take_name("Maria O'Grill")
    wrong.take_date_of_birth("May 3rd 1980")
    wrong.take_first_name_spelling("M A R I A")
    assert wrong.take_spelling("O G R I L L").action.kind == "transfer"


@pytest.mark.parametrize("heard", ["Hand the cuddle", "Mother Lopes"])
def test_on_the_patients_phone_a_name_heard_as_anything_is_verified_by_the_date_and_first_name(heard, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, MARIA, "confirm", heard, "May 3rd 1980")
    assert identity.take_first_name_spelling("M-R-I-A") is None and identity.call.state.verified
    wrong = asked_to_spell(db, MARIA, "confirm", heard, "May 3rd 1980")  # someone else on Maria's phone
    assert said(wrong.take_first_name_spelling("J-O-S-E")) == wording.NO_MATCH and not wrong.call.state.verified


@pytest.mark.parametrize("born, spelled, verified", [("May 3rd 1980", "M E R E A", True),
                                                     ("May 13th 1980", "M E R E A", False),
                                                     ("May 3rd 1980", "M I R N A", False)])
def test_on_the_patients_phone_its_exact_birthday_takes_a_first_name_spelled_nearly(born, spelled, verified, tmp_path):
    db, _ = build_store(tmp_path / "store.db")  # not with a day heard alike, nor letters of another name
    identity = asked_to_spell(db, MARIA, "confirm", "Hand the cuddle", born)
    identity.take_first_name_spelling(spelled)
    assert identity.call.state.verified is verified
    stranger = asked_to_spell(db, UNKNOWN, "confirm", "Hand the cuddle", born)  # from another phone
    stranger.take_first_name_spelling(spelled)
    assert not stranger.call.state.verified


@pytest.mark.parametrize("born, verified", [("May 13th 1980", True), ("May 30th, 1980", True),
                                            ("May 23rd 1980", True), ("May 24th 1980", False),
                                            ("June 3rd 1980", False)])
def test_on_the_patients_phone_a_day_heard_alike_is_verified_by_the_spelled_first_name(born, verified, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = asked_to_spell(db, MARIA, "confirm", "Mario Lopes", born)
    identity.take_first_name_spelling("M A R I A")
    assert identity.call.state.verified is verified


def test_days_heard_alike_are_the_teens_the_thirtieth_and_the_twenties():
    assert heard_alike("1962-06-03", "1962-06-30") and heard_alike("1990-01-16", "1990-01-06")
    assert heard_alike("1990-04-22", "1990-04-02") and heard_alike("1990-05-01", "1990-05-31")
    assert not heard_alike("1962-06-03", "1962-07-30") and not heard_alike("1990-01-01", "1990-01-11")
    assert not heard_alike("1990-04-12", "1990-04-22") and not heard_alike("1990-04-02", "1990-04-12")


def test_a_spelling_of_another_listed_name_is_no_near_fit_however_alike_it_sounds(tmp_path):
    db, _ = build_store(tmp_path / "store.db")  # John Smith's birthday; "Jean" sounds like "John"
    identity = asked_to_spell(db, UNKNOWN, "cancel", "Jean Smart", "November 20th 1975")
    identity.take_first_name_spelling("J E A N")
    assert not identity.call.state.verified


def test_a_record_without_a_date_of_birth_on_its_own_phone_asks_for_the_spelling(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    Contacts(db).add("Paul Green", ["+15550003333"], None)
    identity = identity_check(db, "+15550003333", "cancel")
    identity.take_name("Paul Green")
    assert said(identity.take_date_of_birth("May 3rd 1980")) == wording.SPELL_FIRST_NAME
    assert not identity.call.state.verified



@pytest.mark.parametrize("first, asked, rest", [
    ("The Einstein O'Member, 1964.", "I have 1964. And the day and month you were born?", "The 9th of November."),
    ("August 9th, 1900, Adventy.", "I have August 9th. And the year you were born?", "Nineteen sixty four."),
    ("I'm not November, 1964.", "I have November 1964. And which day of November were you born?", "The ninth."),
])
def test_a_date_of_birth_heard_in_part_asks_for_the_rest_then_checks_the_whole(first, asked, rest, tmp_path):
    identity = asked_date_of_birth(tmp_path)
    s = identity.call.state
    assert said(identity.take_date_of_birth(first)) == asked and s.not_understood == 0
    expected = "August 9th, 1964" if first.startswith("August") else "November 9th, 1964"
    assert said(identity.take_date_of_birth(rest)) == wording.IS_YOUR_DOB.format(date=expected)
    assert s.step == Step.CHECK_READING and s.birth_parts == BirthParts() and s.not_understood == 0


def test_the_part_said_last_wins_and_a_miss_before_does_not_hand_over_the_whole_heard(tmp_path):
    identity = asked_date_of_birth(tmp_path)
    assert said(identity.take_date_of_birth("Um, hang on.")) == wording.DOB_AGAIN
    assert said(identity.take_date_of_birth("The Einstein O'Member, 1964.")).startswith("I have 1964.")
    assert said(identity.take_date_of_birth("Sorry, 1954. November the 9th.")) == wording.IS_YOUR_DOB.format(
        date="November 9th, 1954")


def test_the_day_and_year_asked_for_are_read_together(tmp_path):
    identity = asked_date_of_birth(tmp_path)
    assert said(identity.take_date_of_birth("I was born in November.")) == (
        "I have November. And the day and year you were born?")
    assert said(identity.take_date_of_birth("The ninth, nineteen sixty-four.")) == wording.IS_YOUR_DOB.format(
        date="November 9th, 1964")


def test_parts_heard_are_forgotten_when_the_name_is_taken_again_or_the_task_ends(tmp_path):
    identity = asked_date_of_birth(tmp_path)
    identity.take_date_of_birth("The Einstein O'Member, 1964.")
    identity.take_name("Walter Brooks")
    assert identity.call.state.birth_parts == BirthParts()
    identity.take_date_of_birth("The Einstein O'Member, 1964.")
    identity.call.state.next_task("message")
    assert identity.call.state.birth_parts == BirthParts()


def test_a_date_of_birth_heard_in_part_twice_is_asked_again_and_then_handed_over(tmp_path):
    identity = asked_date_of_birth(tmp_path)
    assert said(identity.take_date_of_birth("Avery, Perkins, 1970.")).startswith("I have 1970.")
    assert said(identity.take_date_of_birth("Avery, Perkins, 1970.")) == wording.DOB_AGAIN
    assert identity.take_date_of_birth("Avery, Perkins, 1970.").action.kind == "transfer"


def test_a_number_alone_is_a_day_only_when_the_day_is_what_is_missing():
    today = date(2026, 12, 2)
    assert birth_parts("The ninth.", today) == BirthParts()
    assert birth_parts("The ninth.", today, day_asked=True) == BirthParts(day=9)
    assert birth_parts("Nine, 1964.", today, day_asked=True) == BirthParts(day=9, year=1964)
    assert birth_parts("May I ask why?", today) == BirthParts()
    assert birth_parts("November 9th, 1964, yeah.", today) == BirthParts(11, 9, 1964)
    assert birth_parts("November nineteen sixty-four.", today) == BirthParts(11, None, 1964)  # no 19th


def test_parts_that_make_no_date_are_dropped_and_asked_again(tmp_path):
    identity = asked_date_of_birth(tmp_path)
    s = identity.call.state
    assert said(identity.take_date_of_birth("February the 30th, hmm.")).startswith("I have February 30th.")
    assert said(identity.take_date_of_birth("1980")) == wording.DOB_AGAIN and s.birth_parts.complete is False
