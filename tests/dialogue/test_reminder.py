"""The reminder call's policy: the visit's day and time and nothing more before the caller is known;
confirm, cancel, change or the front desk by voice or keys; a cancel goes through the identity
check and acts on the reminded appointment; a mailbox gets the minimum necessary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.crm.contacts import Contacts
from appliance.dialogue.reminder import ReminderCall, ReminderDialogue
from appliance.dialogue.state import Step
from tests.dialogue.clinic import CLINIC, JOHN, MARIA, build_store, make_dialogue


def reminder_for(db, phone: str = MARIA, which: int = 0, **options) -> tuple[ReminderDialogue, object]:  # noqa: ANN001
    contact = Contacts(db).by_phone(phone)[0]
    dialogue = make_dialogue(db, **options)
    appointment = dialogue.records.upcoming(contact.id, dialogue.call.now())[which]
    return ReminderDialogue(dialogue, ReminderCall(appointment.id, contact.id, appointment.starts_at)), appointment


@pytest.fixture()
def db(tmp_path):
    return build_store(tmp_path / "store.db")[0]


def test_the_greeting_says_when_but_not_who_or_what(db):
    reminder, _ = reminder_for(db)
    text = reminder.greeting(MARIA).text
    assert "Riverside Dental" in text and "Friday, December 4th, at 9 in the morning" in text and "press 1" in text
    assert "Maria" not in text and "cleaning" not in text and "Patel" not in text


@pytest.mark.parametrize("answer", ["Yes, I'll be there.", "yeah that's fine", "Sure, see you then."])
def test_a_spoken_yes_confirms_and_ends_the_call(db, answer):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    reply = reminder.respond(answer, 0.9)
    assert "is confirmed" in reply.text and reply.action.kind == "hangup"
    assert reminder.outcome() == "confirmed"


@pytest.mark.parametrize("answer", ["I'm not sure.", "Okay, wait, I need to check.", "I don't think that's fine.",
                                    "That's not great."])
def test_a_hedge_or_a_negation_does_not_confirm(db, answer):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    reply = reminder.respond(answer, 0.9)
    assert "confirmed" not in reply.text and reply.action is None and reminder.outcome() is None


def test_key_1_confirms(db):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    assert reminder.dtmf("1").action.kind == "hangup" and reminder.outcome() == "confirmed"


def test_a_keypad_cancel_checks_identity_then_cancels_the_reminded_appointment(db):
    reminder, appointment = reminder_for(db, JOHN, which=1)  # John has two: the second is reminded
    reminder.greeting(JOHN)
    asked = reminder.dtmf("2").text
    assert "first and last name" in asked and "filling" not in asked
    assert not reminder.takes_digits()
    dob = reminder.respond("John Smith", 0.9).text
    assert "date of birth" in dob and "key your date of birth in" in dob and reminder.takes_digits()
    for digit in "1120197":
        assert reminder.dtmf(digit) is None
    question = reminder.dtmf("5").text
    assert "Shall I cancel it?" in question and "filling" in question  # now the caller is known
    done = reminder.dtmf("1").text
    assert "cancelled" in done
    assert reminder.outcome() == "cancelled"
    status = db.execute("SELECT status FROM appointments WHERE id = ?", [appointment.id]).fetchone()[0]
    assert status == "cancelled"
    others = db.execute("SELECT COUNT(*) FROM appointments WHERE contact_id = ? AND status = 'booked'",
                        [appointment.contact_id]).fetchone()[0]
    assert others == 1


def test_a_wrong_date_of_birth_cancels_nothing(db):
    reminder, appointment = reminder_for(db)
    reminder.greeting(MARIA)
    reminder.respond("I need to cancel it", 0.9)
    reminder.respond("Maria Lopez", 0.9)
    reply = reminder.respond("the first of January 1990", 0.9)
    assert "cancel it" not in reply.text.lower()
    assert db.execute("SELECT status FROM appointments WHERE id = ?", [appointment.id]).fetchone()[0] == "booked"


def test_a_change_goes_on_as_a_move_of_that_appointment(db):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    assert "name" in reminder.respond("Could we move it to another day?", 0.9).text
    reminder.respond("Maria Lopez", 0.9)
    reply = reminder.respond("May 3rd 1980", 0.9)
    assert "When would you like to move it to?" in reply.text
    assert reminder.outcome() == "change_requested"  # asked, not yet done


def test_no_asks_whether_to_cancel_or_change(db):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    assert "cancel it, or change it" in reminder.respond("No.", 0.9).text


def test_a_request_to_stop_calls_opts_the_patient_out(db):
    reminder, appointment = reminder_for(db)
    reminder.greeting(MARIA)
    reply = reminder.respond("Please stop calling me with these.", 0.9)
    assert reply.action.kind == "hangup" and reminder.outcome() == "opted_out_by_phone"
    assert not Contacts(db).get(appointment.contact_id).reminder_calls


def test_wrong_number_and_zero(db):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    assert reminder.respond("I think you have the wrong number", 0.9).action.kind == "hangup"
    assert reminder.outcome() == "wrong_number"
    other, _ = reminder_for(db)
    other.greeting(MARIA)
    assert other.dtmf("0").action.kind == "transfer"


def test_not_understood_twice_goes_to_the_front_desk(db):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    assert reminder.respond("purple elephant", 0.9).action is None
    assert reminder.respond("banana", 0.9).action.kind == "transfer"


def test_a_mailbox_hears_the_clinic_day_time_and_number_only(db):
    reminder, _ = reminder_for(db)
    reminder.dialogue.call.clinic = replace(CLINIC, phone="+15550001111")
    reply = reminder.voicemail()
    assert "Friday, December 4th, at 9 in the morning" in reply.text and "5 5 5, 0 0 0, 1 1 1 1" in reply.text
    assert "Maria" not in reply.text and "cleaning" not in reply.text and reply.action.kind == "hangup"
    assert reminder.outcome() == "voicemail"


def test_silence_repeats_the_options_then_ends_without_a_transfer(db):
    reminder, _ = reminder_for(db)
    reminder.greeting(MARIA)
    assert "press 1" in reminder.silence(1, final=False).text
    assert reminder.silence(3, final=True).action.kind == "hangup"
    assert reminder.call.state.step == Step.INTENT
