"""The front desk's live card fills in as the call goes: who, identity checked, what they want,
the times offered and chosen, what is awaited, and the summary staff would get."""

from __future__ import annotations

from appliance.dialogue.card import FIELDS
from tests.dialogue.clinic import JOHN, build_store, new_call


def test_the_card_fills_in_turn_by_turn_and_holds_only_what_is_known(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, JOHN)
    card = dialogue.card()
    assert card["patient"] == "John Smith (on file)" and card["identity"] == "not checked"
    assert card["waiting_for"] == "what the caller wants" and "service" not in card and "offered" not in card
    dialogue.respond("I'd like to book a cleaning", 0.9)
    card = dialogue.card()
    assert card["wants"] == "book an appointment" and card["service"] == "cleaning"
    assert card["waiting_for"] == "whom the appointment is for"
    dialogue.respond("yes", 0.9)
    dialogue.respond("tomorrow morning", 0.9)
    card = dialogue.card()
    assert card["offered"] == "Thu 03 Dec 08:00, Thu 03 Dec 09:00, Thu 03 Dec 10:00"
    assert card["waiting_for"] == "a choice of the times offered"
    dialogue.respond("the first one", 0.9)
    card = dialogue.card()
    assert card["chosen"] == "Thu 03 Dec 08:00 with Dr. Patel" and card["waiting_for"] == "a yes to the booking"
    dialogue.respond("yes", 0.9)
    card = dialogue.card()
    assert card["done"].startswith("booked tomorrow") and card["waiting_for"] == "whether there is anything else"
    assert "chosen" not in card and "offered" not in card  # that task is over
    assert card["summary"].startswith("John Smith (+15559990000), identity not verified. Wants to book an appointment.")
    assert "Handover" not in card["summary"]
    assert list(card) == [key for key in FIELDS if key in card]  # always in the card's order


def test_an_unknown_caller_s_card_says_so_and_names_them_once_given(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, "+15550000000")
    assert "patient" not in dialogue.card() and "identity" not in dialogue.card()
    dialogue.respond("I want to leave a message", 0.9)
    dialogue.respond("Please ask Dr. Patel to call me about my crown", 0.9)
    card = dialogue.card()
    assert card["wants"] == "leave a message" and "crown" in card["message"]
    assert card["summary"].startswith("unknown caller (+15550000000), identity not verified.")


def test_a_caller_who_gives_name_and_date_of_birth_is_checked_on_the_card(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, "+15550000000")
    dialogue.respond("I need to cancel my appointment", 0.9)
    assert dialogue.card()["waiting_for"] == "the caller's name"
    dialogue.respond("John Smith", 0.9)
    dialogue.respond("November twentieth, nineteen seventy five", 0.9)
    card = dialogue.card()
    assert card["patient"] == "John Smith (on file)" and card["identity"] == "checked"
    assert card["name"] == "John Smith" and card["date_of_birth"] == "1975-11-20"
