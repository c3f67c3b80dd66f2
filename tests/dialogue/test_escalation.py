"""Handovers on their own: who can take a transfer, when a miss hands over, emergencies, messages,
and a store that refuses even the callback request."""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite3

import pytest
from sqlite_utils import Database

from appliance.dialogue import wording
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.reply import Reply
from appliance.dialogue.state import Step
from tests.dialogue.clinic import MARIA, NOW, build_store, make_call


def escalation(db: Database, hour: int = 10, can_transfer: bool = True, has_on_call: bool = False) -> Escalation:
    call = make_call(db, MARIA, NOW.replace(hour=hour))
    call.state.contact = call.records.lookup_caller(MARIA)
    return Escalation(call, can_transfer, has_on_call)


def said(reply: Reply) -> str:
    return reply.text


@pytest.mark.parametrize("hour, can_transfer, has_on_call, target", [
    (10, True, False, "front desk"), (10, False, True, None), (21, True, True, "on-call"), (21, True, False, None),
])
def test_a_transfer_goes_to_whoever_can_take_it_else_a_message_is_taken(hour, can_transfer, has_on_call, target,
                                                                         tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    handover = escalation(db, hour, can_transfer, has_on_call)
    reply = handover.hand_over("the caller asked for a person")
    recorded = [r["target"] for r in db.query("SELECT target FROM handovers")]
    if target is None:
        assert reply.action is None and said(reply) == wording.NO_TRANSFER
        assert handover.call.state.step == Step.MESSAGE and recorded == []
    else:
        assert reply.action.kind == "transfer" and reply.action.after_hours == (hour == 21)
        assert recorded == [target] and "Maria Lopez" in reply.action.summary


def test_a_second_miss_hands_over_where_an_answer_is_needed_a_third_anywhere(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    handover = escalation(db)
    handover.call.state.step = Step.SPELL
    assert [handover.not_understood("Spell it?").action for _ in range(2)] == [None, None]
    assert handover.not_understood("Spell it?").action.kind == "transfer"  # a third miss anywhere
    handover.call.state.not_understood = 0
    handover.call.state.step = Step.WHICH
    assert handover.not_understood("Which one?").action is None
    assert handover.not_understood("Which one?").action.kind == "transfer"


def test_an_emergency_is_flagged_for_the_team_and_put_through(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    reply = escalation(db).emergency("there's blood everywhere")
    assert "call 911" in said(reply) and reply.action.kind == "transfer" and reply.action.reason == "emergency"
    [message] = db.query("SELECT text, kind FROM messages")
    assert message["text"].startswith("URGENT") and message["kind"] == "callback"


def test_a_message_is_passed_on_with_the_number_to_call_back(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    handover = escalation(db)
    assert said(handover.ask_for_message()) == wording.ASK_MESSAGE and handover.call.state.step == Step.MESSAGE
    reply = said(handover.take_message("please call me about my bill"))
    assert "call you back at 5 5 5 1 2 3 4 5 6 7." in reply and handover.call.state.outcome == "message"
    assert [r["text"] for r in db.query("SELECT text FROM messages")] == ["please call me about my bill"]


def test_a_store_that_refuses_even_the_callback_ends_the_call_truthfully(tmp_path, monkeypatch):
    db, _ = build_store(tmp_path / "store.db")
    handover = escalation(db)

    def refuse(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(handover.call.records, "take_message", refuse)
    reply = handover.store_failed(sqlite3.OperationalError("database is locked"))
    assert said(reply) == wording.STORE_DOWN_GOODBYE and reply.action.kind == "hangup"
    assert handover.call.state.outcome is None
