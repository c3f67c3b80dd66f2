"""What the agent says, built from details: lists, slots, greetings, the number to call back."""

from __future__ import annotations

from datetime import datetime

from appliance.dialogue import wording
from tests.dialogue.clinic import CLINIC, NOW, TZ


def test_lists_end_with_or():
    assert wording.one_of(["a check-up"]) == "a check-up"
    assert wording.one_of(["check-up", "cleaning", "filling"]) == "check-up, cleaning or filling"


def test_slots_on_one_day_name_the_day_once():
    morning, afternoon = datetime(2026, 12, 3, 9, tzinfo=TZ), datetime(2026, 12, 3, 14, 30, tzinfo=TZ)
    assert wording.slots([morning, afternoon], NOW.date()) == \
        "tomorrow, Thursday, December 3rd, at 9 in the morning or 2:30 in the afternoon."
    friday = datetime(2026, 12, 4, 9, tzinfo=TZ)
    assert wording.slots([morning, friday], NOW.date()) == \
        "tomorrow, Thursday, December 3rd, at 9 in the morning or Friday, December 4th, at 9 in the morning."


def test_the_greeting_names_a_known_caller_and_says_when_the_clinic_is_closed():
    assert wording.greeting(CLINIC) == ("Thank you for calling Riverside Dental. You're speaking with the clinic's "
                                        "automated assistant. How can I help you today?")
    assert wording.greeting(CLINIC, "Maria", is_open=False) == (
        "Thank you for calling Riverside Dental. Hello Maria! You're speaking with the clinic's automated assistant. "
        "How can I help you today? We're closed right now, but I can book appointments or take a message.")


def test_the_number_to_call_back_is_read_digit_by_digit():
    assert wording.message_passed("+1 (555) 123-4567").endswith("call you back at 5 5 5 1 2 3 4 5 6 7.")
    assert wording.message_passed("anonymous").endswith("Someone will call you back.")
