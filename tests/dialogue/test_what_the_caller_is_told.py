"""What the caller is told and what is not taken from them: the assistant disclosed in every
greeting (by region, never blanked where required), the recording notice and a decline in the
caller's own words or by key, and card or social security numbers refused and never kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.config import ClinicConfig
from appliance.config.clinic import discloses
from appliance.crm.contacts import Contacts
from appliance.dialogue import wording
from appliance.dialogue.consent import DECLINE_KEY, declines_recording
from appliance.dialogue.reminder import ReminderCall, ReminderDialogue
from appliance.dialogue.sensitive import CARD_REMOVED, screen
from appliance.dialogue.state import Step
from appliance.errors import ConfigError
from tests.dialogue.clinic import CLINIC, MARIA, build_store, make_dialogue, new_call

UNKNOWN = "+15550001111"


@pytest.fixture()
def db(tmp_path):
    return build_store(tmp_path / "store.db")[0]


# --- the disclosure ------------------------------------------------------------------------
@pytest.mark.parametrize("region, law", [("", False), ("US", False), ("US-NY", False), ("UK", False),
                                         ("CA", False), ("JP", False), ("US-CA", True), ("US-CO", True),
                                         ("US-UT", True), ("EU", True), ("DE", True), ("FR", True)])
def test_every_region_s_greeting_discloses_the_assistant_before_its_question(region, law):
    clinic = replace(CLINIC, region=region)
    text = wording.greeting(clinic)
    assert discloses(text) and text.index("automated assistant") < text.index("How can I help")
    assert ("an AI system" in text and "press 0" in text) == law  # where a law asks, it names AI and a person


@pytest.mark.parametrize("region", ["", "US-CA", "EU", "DE", "JP"])
def test_a_blank_disclosure_falls_back_to_the_default_where_it_is_required(region):
    clinic = ClinicConfig(name="Riverside Dental", region=region, disclosure="")
    assert "automated assistant" in wording.greeting(clinic)


@pytest.mark.parametrize("region", ["US", "UK", "US-TX"])
def test_a_blank_disclosure_leaves_it_out_where_the_region_allows(region):
    clinic = ClinicConfig(name="Riverside Dental", region=region, disclosure="")
    assert wording.greeting(clinic) == "Thank you for calling Riverside Dental. How can I help you today?"


@pytest.mark.parametrize("region", ["", "EU", "US-CA", "IT"])
@pytest.mark.parametrize("wording_said", ["Hi, this is Sam at {name}.", "Calls are answered for {name}."])
def test_a_disclosure_that_does_not_disclose_is_refused_where_required(region, wording_said):
    with pytest.raises(ConfigError, match=r"clinic.disclosure must tell callers they are speaking with an automated"):
        ClinicConfig(region=region, disclosure=wording_said)


@pytest.mark.parametrize("wording_said", ["You're talking to Riverside's virtual receptionist.",
                                          "This is an AI assistant for {name}.", "I'm a computer, not a person.",
                                          "You've reached our automated line."])
def test_the_clinic_s_own_disclosure_is_said_in_the_greeting(wording_said):
    clinic = ClinicConfig(name="Riverside Dental", region="EU", disclosure=wording_said)
    assert wording.disclosure(clinic) in wording.greeting(clinic)
    assert "Riverside Dental" in wording.disclosure(clinic) or "{name}" not in wording_said


def test_a_custom_greeting_keeps_the_disclosure_and_one_that_makes_it_is_not_doubled():
    custom = ClinicConfig(name="Riverside Dental", greeting="Good morning, {name}, what can we do for you?")
    assert wording.greeting(custom) == ("You're speaking with the clinic's automated assistant. Good morning, "
                                        "Riverside Dental, what can we do for you?")
    no_question = replace(custom, greeting="Riverside Dental, good morning.")
    assert wording.greeting(no_question).endswith("good morning. You're speaking with the clinic's automated "
                                                  "assistant.")
    itself = replace(custom, greeting="Hi, this is the automated assistant of {name}. How can I help?")
    assert wording.greeting(itself).count("automated assistant") == 1


@pytest.mark.parametrize("region", ["usa", "us-ca", "Europe", "U"])
def test_a_region_that_is_no_code_is_refused(region):
    with pytest.raises(ConfigError, match="clinic.region must be a country code"):
        ClinicConfig(region=region)


def test_a_known_caller_is_greeted_by_name_with_the_disclosure_and_the_notice(db):
    reply = make_dialogue(db, recording=True).greeting(MARIA)
    assert reply.text.index("Hello Maria!") < reply.text.index("automated assistant") < reply.text.index(
        wording.RECORDING_NOTICE) < reply.text.index("How can I help")
    assert reply.notice == wording.RECORDING_NOTICE


def test_no_notice_when_calls_are_not_recorded(db):
    reply = make_dialogue(db).greeting(UNKNOWN)
    assert wording.RECORDING_NOTICE not in reply.text and not reply.notice


# --- declining the recording ---------------------------------------------------------------
@pytest.mark.parametrize("said", [
    "Don't record this call, please.", "no recording please", "I'd rather not be recorded.",
    "I don't want to be recorded", "Please stop the recording.", "Can you turn off the recording?",
    "I do not consent to being recorded.", "I'd prefer this call not be recorded.", "Can you not record this?",
    "No, don't record me.", "I don't agree to the recording", "I object to recording",
    "I\u2019d rather not be recorded", "I don't like being recorded.", "Please don't record me"])
def test_a_decline_is_heard_in_the_caller_s_own_words(said):
    assert declines_recording(said)


@pytest.mark.parametrize("said", [
    "I have no record of that appointment.", "Can you check my records?", "My X-ray wasn't recorded in your system.",
    "I don't have my dental records with me.", "I recorded the wrong date.", "Is this call recorded?",
    "I'd like to book a cleaning."])
def test_words_about_records_are_no_decline(said):
    assert not declines_recording(said)


def test_a_spoken_decline_stops_the_recording_and_asks_again(db):
    dialogue = new_call(db, UNKNOWN, recording=True)
    reply = dialogue.respond("I'd rather not be recorded, thanks.", 0.9)
    assert reply.text == f"{wording.RECORDING_DECLINED} {wording.HOW_CAN_I_HELP}" and reply.declines_recording
    assert not dialogue.recorded and dialogue.call.state.step == Step.INTENT
    assert dialogue.respond("I'd rather not be recorded.", 0.9).declines_recording is False  # said once


def test_a_decline_with_a_request_answers_both(db):
    dialogue = new_call(db, UNKNOWN, recording=True)
    reply = dialogue.respond("Please don't record this call, I'd like to book a cleaning.", 0.9)
    assert reply.text.startswith(wording.RECORDING_DECLINED) and reply.declines_recording
    assert dialogue.call.state.intent == "book"


def test_a_decline_mid_booking_asks_the_question_again(db):
    dialogue = new_call(db, UNKNOWN, recording=True)
    asked = dialogue.respond("I'd like to book a check-up.", 0.9).text
    reply = dialogue.respond("Oh, and no recording please.", 0.9)
    assert reply.text == f"{wording.RECORDING_DECLINED} {asked}"
    assert dialogue.respond("Maria Lopez", 0.9).text.startswith("Thank you, Maria")  # the booking goes on


def test_the_notice_s_key_declines_and_means_nothing_when_calls_are_not_recorded(db):
    dialogue = new_call(db, UNKNOWN, recording=True)
    assert dialogue.dtmf(DECLINE_KEY).declines_recording and not dialogue.recorded
    assert f"press {DECLINE_KEY}" in wording.RECORDING_NOTICE
    unrecorded = new_call(db, UNKNOWN)
    assert unrecorded.dtmf(DECLINE_KEY) is None


def reminder(db, recording: bool) -> ReminderDialogue:  # noqa: ANN001
    contact = Contacts(db).by_phone(MARIA)[0]
    dialogue = make_dialogue(db, recording=recording)
    appointment = dialogue.records.upcoming(contact.id, dialogue.call.now())[0]
    return ReminderDialogue(dialogue, ReminderCall(appointment.id, contact.id, appointment.starts_at))


def test_a_reminder_call_discloses_gives_the_notice_and_takes_a_decline(db):
    call = reminder(db, recording=True)
    greeting = call.greeting(MARIA)
    assert greeting.text.index("automated assistant") < greeting.text.index(wording.RECORDING_NOTICE) < \
        greeting.text.index("press 1") and greeting.notice
    declined = call.respond("Don't record me.", 0.9)
    assert declined.declines_recording and declined.text.startswith(wording.RECORDING_DECLINED)
    assert "press 1" in declined.text and call.respond("Yes, I'll be there.", 0.9).action.kind == "hangup"
    assert "automated assistant" in reminder(db, recording=False).voicemail().text


def test_a_reminder_call_takes_the_decline_key(db):
    call = reminder(db, recording=True)
    call.greeting(MARIA)
    assert call.dtmf(DECLINE_KEY).declines_recording and call.outcome() is None


# --- what must not be taken by voice ---------------------------------------------------------
@pytest.mark.parametrize("said", [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
    "four one one one one one one one one one one one one one one one",
    "four one one one, one one one one, one one one one, one one one one",
    "forty one eleven, eleven eleven, eleven eleven, eleven eleven",
    "It's 4111 one one one one 1111 1111.", "5555 5555 5555 4444 expires 12/27",
    "Amex 3782 822463 10005", "my visa is 4012 8888 8888 1881"])
def test_a_card_number_is_found_in_every_form_and_removed(said):
    screened = screen(said)
    assert screened.refused == "card" and CARD_REMOVED in screened.text
    assert not any(group in screened.text for group in ("1111", "4444", "10005", "1881"))


@pytest.mark.parametrize("said", [
    "My card number is", "The CVV is four five six.", "Here's my credit card: it's ready.",
    "The security code is 123 and the expiry date is oh four twenty eight."])
def test_card_details_announced_are_refused_with_their_numbers(said):
    screened = screen(said)
    assert screened.refused == "card" and not any(c.isdigit() for c in screened.text)
    assert not any(word in screened.text.split() for word in ("four", "five", "six", "twenty"))


@pytest.mark.parametrize("said", ["My social security number is 123 45 6789.", "It's 123-45-6789",
                                  "my SSN is one two three, four five, six seven eight nine"])
def test_a_social_security_number_is_refused(said):
    screened = screen(said)
    assert screened.refused == "ssn" and "6789" not in screened.text and "nine" not in screened.text


@pytest.mark.parametrize("said", [
    "Call me back at 555-123-4567.", "five five five, one two three, four five six seven",
    "My number is (212) 555-0198 and my date of birth is 07 12 1969.", "oh seven twelve sixty nine",
    "My date of birth is January 1st, 1980.", "Tuesday at 930", "+44 20 7946 0011",
    "Do you take credit cards?", "How much is a cleaning?", "4111 1111 1111 1112",
    "My insurance member ID is 123456789012.", "I'd like to book for the 3rd at half past two."])
def test_phone_numbers_dates_and_questions_are_not_refused(said):
    assert screen(said).refused == "" and screen(said).text == said


def test_the_agent_refuses_card_details_says_who_handles_payment_and_asks_again(db):
    dialogue = new_call(db, UNKNOWN)
    reply = dialogue.respond("I want to pay my bill, my card number is 4111 1111 1111 1111", 0.9)
    assert reply.text == f"{wording.CARD_REFUSED} {wording.HOW_CAN_I_HELP}" and "front desk" in reply.text
    handover = dialogue.respond("Can I talk to a real person?", 0.9)
    assert "4111" not in handover.action.summary and "card number" not in handover.action.summary


def test_a_message_goes_on_without_the_card_number(db):
    dialogue = new_call(db, MARIA)
    dialogue.respond("Can I leave a message?", 0.9)
    reply = dialogue.respond("Please call me about my bill, my card is 4111 1111 1111 1111.", 0.9)
    assert reply.text.startswith(wording.CARD_REFUSED) and "passed your message on" in reply.text
    [message] = list(db.query("SELECT text FROM messages"))
    assert message["text"] == "Please call me about my bill, my card is [card number removed]."
