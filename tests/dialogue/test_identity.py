"""The name and date-of-birth check, on its own: a mismatch is refused, then handed over; only a
caller who books is registered as a new patient."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.dialogue import wording
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


def said(reply: Reply) -> str:
    return reply.text


def test_a_mismatched_date_of_birth_is_refused_then_handed_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    identity = identity_check(db, MARIA, "cancel")
    s = identity.call.state
    assert said(identity.question()) == wording.ASK_NAME_FOR_SECURITY and s.step == Step.NAME
    assert said(identity.take_name("Maria Lopez")) == wording.DOB_AFTER_NAME.format(first_name="Maria")
    assert said(identity.take_date_of_birth("January first 1990")) == wording.NO_MATCH
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
    assert said(booking.take_date_of_birth("August tenth nineteen ninety")) == wording.SPELL_LAST_NAME
    assert booking.take_spelling("P A R K E R") is None
    assert booking.call.state.contact.name == "Peter Parker" and booking.call.state.verified
    cancelling = identity_check(db, "+15550002222", "cancel")
    cancelling.take_name("Paula Parker")
    reply = cancelling.take_date_of_birth("August tenth nineteen ninety")
    assert reply.action.kind == "transfer" and "no record was found" in reply.action.reason
    assert cancelling.call.state.contact is None
