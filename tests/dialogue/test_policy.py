"""The router: one handler per step, what happens after the last silence, who takes a handover
when the clinic is closed, and no dependency on the call loop."""

from __future__ import annotations

import pytest

from appliance.dialogue import wording
from appliance.dialogue.state import Step
from tests.dialogue.clinic import MARIA, NOW, build_store, make_dialogue, new_call, talk
from tests.dialogue.scenarios import UNKNOWN


def test_every_step_has_one_handler(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    steps = make_dialogue(db).steps
    assert set(steps) == set(Step) and all(callable(handler) for handler in steps.values())


@pytest.mark.parametrize("on_silence", ["transfer", "hangup"])
def test_the_last_silence_reprompt_transfers_or_hangs_up_as_configured(on_silence, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA, on_silence=on_silence)
    assert dialogue.silence(1, final=False).action is None
    assert dialogue.silence(3, final=True).action.kind == on_silence


@pytest.mark.parametrize("has_on_call", [True, False])
def test_when_closed_only_an_on_call_number_takes_a_request_for_a_person(has_on_call, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db, now=NOW.replace(hour=21), has_on_call=has_on_call)
    dialogue.greeting(MARIA)
    reply = dialogue.respond("can I talk to a real person", 0.9)
    said = reply.text
    if has_on_call:
        assert reply.action.kind == "transfer" and reply.action.after_hours and "on-call" in said
    else:
        assert reply.action is None and "take a message" in said


def test_a_pause_is_read_by_the_question_being_answered(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    assert dialogue.unfinished("Two one two, five five five") is False  # no number is asked for yet
    assert dialogue.unfinished("I'd like to book a cleaning and")
    dialogue.call.state.step = Step.CALLBACK
    assert dialogue.unfinished("Two one two, five five five")
    dialogue.call.state.step, dialogue.call.state.name = Step.SPELL, "Imran Khan"
    assert dialogue.unfinished("K-H.") and not dialogue.unfinished("K-H-A-N.")  # the last name is spelled
    dialogue.call.state.step = Step.SPELL_FIRST
    assert dialogue.unfinished("I-M-R.") and not dialogue.unfinished("I-M-R-A-N.")


def test_an_answer_the_caller_went_on_from_is_taken_back_once_unless_it_changed_the_store(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA)
    talk(dialogue, "Could I come in for a check-up tomorrow morning?")
    s = dialogue.call.state
    asked = (s.step, s.last_question, s.turns)
    dialogue.respond("Yes.", 0.9)  # "Yes. | It's for my son." was cut at the full stop
    assert dialogue.call.state.step != asked[0]
    assert dialogue.take_back() and not dialogue.take_back()  # once: the answer before it stands
    s = dialogue.call.state
    assert (s.step, s.last_question, s.turns) == asked
    talk(dialogue, "Yes, it's for me.", "The second one.")
    assert dialogue.call.state.step == Step.CONFIRM
    dialogue.respond("Yes.", 0.9)  # booked: that answer stands
    assert not dialogue.take_back()
    assert dialogue.call.state.outcome == "booked" and dialogue.call.state.step == Step.INTENT


def test_an_answer_stands_once_another_decision_came_after_it_and_the_recording_choice_comes_back(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, MARIA, recording=True)
    dialogue.respond("Please don't record this. I'd like a check-up.", 0.9)
    assert not dialogue.recorded
    assert dialogue.take_back() and dialogue.recorded  # the whole turn will decline it again
    dialogue.respond("I'd like a check-up.", 0.9)
    dialogue.dtmf("5")
    assert not dialogue.take_back()


@pytest.mark.parametrize("asked, answered", [("Do you have parking?", True),
                                             ("Please tell them I have a question about parking.", False)])
def test_a_question_asked_again_as_the_message_after_it_was_not_understood_is_answered(asked, answered, tmp_path):
    # "Do you have party?", "Is there somewhere to part-live you?": handed over, the caller asked
    # again, heard right, and the question was written down as a message for staff
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=False)
    assert talk(dialogue, "Do you have party?", "Is there somewhere to part-live you?")[-1] == wording.NO_TRANSFER
    reply = dialogue.respond(asked, 0.9)
    s = dialogue.call.state
    assert (s.step == Step.INTENT and s.message is None and "behind the building" in reply.text) is answered


def test_a_question_left_as_a_message_after_asking_for_a_person_is_taken_down(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = new_call(db, UNKNOWN, can_transfer=False)
    assert talk(dialogue, "I'd like to speak to someone, please.")[-1] == wording.NO_TRANSFER
    dialogue.respond("Could someone tell me if there is parking?", 0.9)
    assert dialogue.call.state.message == "Could someone tell me if there is parking?"
