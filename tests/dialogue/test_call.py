"""What the flows of a call share: the clinic's clock, and finishing one task for the next."""

from __future__ import annotations

from datetime import UTC, datetime

from appliance.dialogue.state import Step
from appliance.dialogue.when import parse_when
from tests.dialogue.clinic import MARIA, NOW, build_store, make_call


def test_moments_are_said_in_the_clinic_time_zone(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    assert make_call(db).say_moment(datetime(2026, 12, 3, 14, tzinfo=UTC)) == "tomorrow, Thursday, December 3rd, at 9 in the morning"


def test_a_finished_task_forgets_its_details_but_not_the_caller(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    call = make_call(db)
    s = call.state
    s.contact, s.verified, s.intent, s.step = call.records.lookup_caller(MARIA), True, "book", Step.CONFIRM
    s.when, s.not_understood, s.done = parse_when("tomorrow", NOW), 1, ["booked tomorrow"]
    reply = call.then_anything_else("You're booked.", "book")
    assert reply.text == "You're booked. Is there anything else I can help with?"
    assert (s.step, s.when, s.not_understood, s.offered) == (Step.INTENT, None, 0, [])
    assert s.verified and s.contact.name == "Maria Lopez" and s.done == ["booked tomorrow"]
