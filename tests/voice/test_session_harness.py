"""The call loop on a virtual clock: each case is a whole call, in milliseconds, with exact times."""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import pytest
import sqlite_utils

from appliance.config import TransferConfig
from appliance.crm.calls import CallLog
from appliance.crm.db import open_store
from appliance.dialogue.birthdate import DateOfBirthAsked
from appliance.dialogue.faq import FaqPolicy
from appliance.dialogue.name_spelling import NameSpelling
from appliance.dialogue.reply import Reply
from appliance.voice.events import (
    AgentSaidEvent,
    AlertEvent,
    BargeInEvent,
    HandoverEvent,
    TranscriptEvent,
    TransferState,
    TurnLatencyEvent,
)
from appliance.voice.handover import HandoverState
from appliance.voice.recorder import CallRecorder
from tests.dialogue.clinic import build_store, make_dialogue
from tests.voice.harness import Call, FakeTurn, tone

GREETING = ("Thank you for calling Riverside Dental. You're speaking with the clinic's automated assistant. "
            "How can I help you today?")


def greeted(**voice) -> Call:
    call = Call(**voice)
    call.run_until(lambda: call.of(AgentSaidEvent))
    return call


def said(call: Call) -> list[str]:
    return [e.text for e in call.of(AgentSaidEvent)]


def test_the_turn_ends_after_the_endpoint_silence_and_the_reply_starts_one_frame_later():
    call = greeted(endpoint_silence_ms=450, early_endpoint_ms=300)
    call.workers["stt"].delay_s = 0.15
    call.workers["tts"].delay_s = 0.05
    call.caller_says("what about saturdays")  # no finished sentence: the full endpoint silence
    call.run_until(lambda: call.of(TurnLatencyEvent))
    stages = call.of(TurnLatencyEvent)[0].stages_ms
    # recognition started on the pause (200 ms), so it is ready before the endpoint
    assert stages["endpoint"] == pytest.approx(460, abs=1)
    assert stages["stt_final"] == pytest.approx(460, abs=1)
    assert stages["tts_first_audio"] == pytest.approx(510, abs=1)
    assert stages["first_frame_out"] == pytest.approx(520, abs=1)
    call.finish()


def test_a_finished_sentence_ends_the_turn_early():
    call = greeted(endpoint_silence_ms=450, early_endpoint_ms=300, speculative_stt_ms=200)
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert call.of(TurnLatencyEvent)[0].stages_ms["endpoint"] == pytest.approx(300, abs=1)
    assert said(call)[-1] == "We are open 8 to 6."
    call.finish()


def test_a_caller_pausing_inside_a_phone_number_is_not_cut_off():
    call = greeted(endpoint_silence_ms=450, early_endpoint_ms=300, hold_silence_ms=1200)
    call.stt.lines.append(("Two one two, five five five,", "Two one two, five five five, oh one nine eight."))
    call.line.say(tone(900) + b"\0" * 32 * 800 + tone(900))  # 800 ms between the groups
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert [e.text for e in call.of(TranscriptEvent) if e.final] == ["Two one two, five five five, oh one nine eight."]
    assert call.stt.streams == 1
    assert call.of(TurnLatencyEvent)[0].stages_ms["endpoint"] == pytest.approx(300, abs=1)
    call.finish()


def test_a_caller_who_trails_off_is_answered_after_the_hold():
    call = greeted(endpoint_silence_ms=450, hold_silence_ms=1200)
    call.caller_says("Um...")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert call.of(TurnLatencyEvent)[0].stages_ms["endpoint"] == pytest.approx(1200, abs=21)
    call.finish()


@pytest.mark.parametrize(("score", "hold_below", "endpoint"), [(0.9, 0.0, 300), (0.2, 0.0, 450), (0.05, 0.1, 1200)])
def test_the_end_of_turn_model_lets_a_finished_sentence_end_early_or_holds_it(score, hold_below, endpoint):
    call = Call(turn=FakeTurn([score]), endpoint_silence_ms=450, early_endpoint_ms=300, hold_silence_ms=1200,
                turn_done_above=0.5, turn_hold_below=hold_below)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert call.of(TurnLatencyEvent)[0].stages_ms["endpoint"] == pytest.approx(endpoint, abs=21)
    assert call.hub.turn.heard and call.hub.turn.heard[0] >= 1200 * 32  # the turn's audio so far, onset included
    call.finish()


class Answered(FaqPolicy):
    """The FAQ policy, hearing every turn as a full answer."""

    def __init__(self, clinic) -> None:  # noqa: ANN001
        super().__init__(clinic, "hangup")

    def answered(self, text: str) -> bool:
        return True


def test_a_full_answer_ends_the_turn_early_without_waiting_for_the_model():
    call = Call(turn=FakeTurn([0.2]), endpoint_silence_ms=450, early_endpoint_ms=300, hold_silence_ms=1200,
                turn_done_above=0.5)
    call.session.policy = Answered(call.config.clinic)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert call.of(TurnLatencyEvent)[0].stages_ms["endpoint"] == pytest.approx(300, abs=21)
    call.finish()


class AnsweredWithAYear(FaqPolicy):
    """The FAQ policy, hearing a turn with a year in as a full answer."""

    def __init__(self, clinic) -> None:  # noqa: ANN001
        super().__init__(clinic, "hangup")

    def answered(self, text: str) -> bool:
        return "1980" in text


@pytest.mark.parametrize("likeliest, endpoint", [("", 300), ("July 4th,", 1200)])
def test_a_pause_is_judged_on_the_likeliest_reading_not_on_another_that_holds_what_was_expected(likeliest, endpoint):
    call = Call(turn=FakeTurn([0.2]), endpoint_silence_ms=450, early_endpoint_ms=300, hold_silence_ms=1200,
                turn_done_above=0.5)  # "July 4th, | 1980": a reading completed from the hint ends no turn (held)
    call.session.policy = AnsweredWithAYear(call.config.clinic)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.stt.alternatives = {0: likeliest} if likeliest else {}
    call.caller_says("July 4th, 1980.")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert call.of(TurnLatencyEvent)[0].stages_ms["endpoint"] == pytest.approx(endpoint, abs=21)
    call.finish()


def test_a_short_pause_inside_a_turn_does_not_end_it():
    call = greeted(endpoint_silence_ms=450)
    call.stt.lines.append("where is the clinic located")  # no sentence end: no early end either
    call.line.say(tone(600) + b"\0" * 32 * 300 + tone(600))  # 300 ms pause mid-sentence
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert [e.text for e in call.of(TranscriptEvent) if e.final] == ["where is the clinic located"]
    assert call.stt.streams == 1
    call.finish()


def test_the_caller_talking_over_the_agent_stops_it_and_only_what_was_heard_is_kept():
    call = Call(barge_in_ms=160)
    call.run_until(lambda: call.line.played)
    start = call.loop.time()
    call.run_for(1.0)
    call.caller_says("Sorry, where are you?", ms=800)
    call.run_until(lambda: call.of(BargeInEvent))
    barge = call.of(BargeInEvent)[0]
    assert barge.frames_dropped > 0
    assert barge.stopped_after_ms == pytest.approx(140, abs=1)  # 8 frames of speech after the onset frame
    cut = call.of(AgentSaidEvent)[0]
    assert cut.interrupted and GREETING.startswith(cut.text) and cut.text != GREETING
    assert not call.line.heard_between(call.loop.time() + 0.02, call.loop.time() + 0.5)
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    assert said(call)[1] == "We are at 12 Mill Street."
    assert call.loop.time() - start < 5
    call.finish()


class Standing(FaqPolicy):
    """The FAQ policy, with answers that cannot be taken back (as a booking made cannot)."""

    def take_back(self) -> bool:
        return False


def test_a_caller_going_on_with_the_turn_just_answered_stops_the_answer_and_is_heard_whole():
    # "Where is the clinic? | When are you open?": the turn ended at the pause and the answer
    # began; the caller went on: the answer is taken back, and the turn is recognised again from
    # its first word, with the hint its start had, and answered once
    call = Call(turn=FakeTurn([0.9]), barge_in_ms=160)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.stt.lines += ["Where is the clinic?", "When are you open?", "When are you open?"]
    call.line.say(tone(1000) + b"\0" * 32 * 500 + tone(1000))
    call.run_until(lambda: len([e for e in call.of(TranscriptEvent) if e.final]) == 2)
    call.run_for(3)
    finals = [e for e in call.of(TranscriptEvent) if e.final]
    assert [(e.text, e.whole) for e in finals] == [("Where is the clinic?", False), ("When are you open?", True)]
    assert call.stt.streams == 3 and call.stt.asked[2] == call.stt.asked[0]
    assert not call.of(BargeInEvent)
    answers = call.of(AgentSaidEvent)[1:]
    assert answers[0].interrupted and "We are at 12 Mill Street.".startswith(answers[0].text)
    assert [a.text for a in answers[1:]] == ["We are open 8 to 6."]
    assert call.hub.turn.heard[-1] >= 2000 * 32  # the end of the turn is judged on both parts
    call.finish()


def test_the_dialogue_hears_a_request_the_caller_went_on_with_whole_in_the_step_it_began_in(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    dialogue = make_dialogue(db)
    call = Call(policy=dialogue, barge_in_ms=160)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.stt.lines += ["I'd like to book a check-up.", "Tomorrow morning.",
                       "I'd like to book a check-up. Tomorrow morning."]
    call.line.say(tone(1000) + b"\0" * 32 * 500 + tone(800))  # the name was asked at the pause
    call.run_until(lambda: len([e for e in call.of(TranscriptEvent) if e.final]) == 2)
    call.run_for(3)
    hints = [hint for hint, _ in call.stt.asked]
    assert hints[2] == hints[0] != hints[1]  # what is asked first, not the name
    s = dialogue.call.state
    assert s.turns == 1 and s.service.name == "check-up" and s.when is not None and s.when.from_hour == 8
    assert said(call)[-1] == "Sure. May I have your first and last name?" and call.of(AgentSaidEvent)[-2].interrupted
    call.finish()


def test_a_long_turn_is_not_recognised_again_when_the_caller_goes_on():
    call = greeted(barge_in_ms=160, max_utterance_s=30.0)
    call.stt.lines += ["Where is the clinic?", "When are you open?"]
    call.line.say(tone(13000) + b"\0" * 32 * 500 + tone(1000))  # more than 12 s said before the pause
    call.run_until(lambda: len([e for e in call.of(TranscriptEvent) if e.final]) == 2)
    assert call.stt.streams == 2 and not any(e.whole for e in call.of(TranscriptEvent))
    call.finish()


@pytest.mark.parametrize("words, ms", [("That's right.", 600), ("", 400)])
def test_a_yes_going_on_over_a_reply_that_stands_hears_what_it_talked_over_again(words, ms):
    # "Where is the clinic? | That's right.": the turn ended at the pause and the reply began; the
    # caller, going on with their own turn, cut it off; the answer cannot be taken back: the agent
    # says it again, not answering "That's right." ("I'm sorry, I can't help with that"), nor a
    # "please" too short to read ("Sorry, I didn't catch that", a turn not understood)
    call = greeted(barge_in_ms=160)
    call.session.policy = Standing(call.config.clinic)
    call.stt.lines += ["Where is the clinic?", words, words]  # the rest, heard again in the answer's context
    call.line.say(tone(1000) + b"\0" * 32 * 500 + tone(ms))
    call.run_until(lambda: len(call.of(BargeInEvent)) == 1 and said(call)[-1] == "We are at 12 Mill Street.")
    call.run_for(2)
    assert said(call)[1] != "We are at 12 Mill Street."  # cut off
    assert said(call)[2:] == ["We are at 12 Mill Street."]
    call.finish()


class StandingAsking(Standing):
    """A standing answer after which the next question expects other words."""

    answers = 0

    def respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        self.answers += 1
        return super().respond(text, confidence)

    def hint(self) -> str:
        return f"{self.clinic.name}: question {self.answers}."


def test_what_the_caller_goes_on_with_after_an_answer_that_stands_is_heard_in_that_answer_s_context():
    # "Yes, | that's right." after a booking: the next question's hint (the doctors' names) made
    # the recogniser write "Dr. Okafor. Dr. O" for "that's right" in noise: the rest of the turn
    # is heard in the context its start had, as a turn of its own (not whole)
    call = greeted(barge_in_ms=160)
    call.session.policy = StandingAsking(call.config.clinic)
    call.stt.lines += ["Where is the clinic?", "Dr. Okafor. Dr. O", "That's right."]
    call.line.say(tone(1000) + b"\0" * 32 * 500 + tone(600))
    call.run_until(lambda: len([e for e in call.of(TranscriptEvent) if e.final]) == 2)
    call.run_for(2)
    hints = [hint for hint, _ in call.stt.asked]
    assert len(hints) == 3 and hints[0] == hints[2] != hints[1]  # the next question's, then the answer's
    assert not any(e.whole for e in call.of(TranscriptEvent) if e.final)
    assert said(call)[-1] == "We are at 12 Mill Street."
    call.finish()


def test_a_thanks_over_a_reply_after_one_moment_hears_it_again_from_the_sentence_cut():
    call = greeted(barge_in_ms=160)
    call.workers["dialogue"].delay_s = 1.0  # the decision takes long: "One moment." first, on the same playback
    where = "We are at 12 Mill Street. Is there anything else?"
    call.session.policy.respond = lambda text, confidence, alternative=False: Reply.say(
        where if "clinic" in text else "Sorry?")
    call.caller_says("Where is the clinic?")
    call.run_until(lambda: "We are at 12 Mill Street." in call.tts.spoken)
    call.run_for(0.3)
    call.caller_says("Thank you.", ms=500)  # four words into the reply's first sentence
    call.run_until(lambda: len(call.of(BargeInEvent)) == 1 and said(call)[-1] == where, limit_s=20)
    call.run_for(2)
    assert "Sorry?" not in said(call)
    call.finish()


@pytest.mark.parametrize("after_s, words, heard_again", [
    (0.3, "Thank you.", True),  # before the greeting's question: it is said again from the sentence cut
    (1.45, "That's right.", False),  # in its question: what the caller said may answer it
    (0.3, "Where are you?", False),  # words with content are a turn of their own
])
def test_what_the_caller_says_over_a_reply_is_answered_unless_it_adds_nothing_to_what_they_missed(
        after_s, words, heard_again):
    call = Call(barge_in_ms=160)
    call.run_until(lambda: call.line.played)
    call.run_for(after_s)
    call.caller_says(words, ms=500)
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    call.run_for(3)
    assert len(call.of(BargeInEvent)) == 1 and said(call)[0] != GREETING
    assert GREETING.endswith(said(call)[1]) == heard_again  # ...from its first sentence, here
    call.finish()


@pytest.mark.parametrize("echo_db, cut", [(20, False), (5, True)])
def test_the_agent_s_own_echo_does_not_stop_it_but_a_voice_as_loud_does(echo_db, cut):
    call = Call(echo_margin_db=15.0)
    call.line.echo_db = echo_db  # the line returns the agent's voice this much quieter (speech to the VAD)
    call.run_until(lambda: call.of(AgentSaidEvent))
    assert bool(call.of(BargeInEvent)) == cut
    assert (said(call) != [GREETING]) == cut
    call.finish()


def test_the_caller_going_on_while_the_agent_decides_is_heard_with_what_they_said_first():
    call = greeted()
    call.workers["dialogue"].delay_s = 1.5  # a slow decision
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TranscriptEvent))
    call.workers["dialogue"].delay_s = 0.0  # the next decisions are quick
    call.stt.lines += ["And where is the clinic?", "What are your opening hours? And where is the clinic?"]
    call.line.say(tone(1200))  # said while the first answer is being decided
    call.run_until(lambda: len([e for e in call.of(TranscriptEvent) if e.final]) == 2)
    call.run_for(5)
    assert [e.text for e in call.of(TranscriptEvent) if e.final] == [
        "What are your opening hours?", "What are your opening hours? And where is the clinic?"]
    # the first answer was stopped as it began, and the whole turn answered once
    assert [e.text for e in call.of(AgentSaidEvent) if not e.interrupted][1:] == ["We are open 8 to 6."]
    assert not call.of(BargeInEvent)
    call.finish()


def test_the_caller_speaking_on_while_the_agent_decides_loses_no_answer():
    call = greeted()
    call.session.policy = Standing(call.config.clinic)
    call.workers["dialogue"].delay_s = 1.5  # a slow decision
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TranscriptEvent))
    call.workers["dialogue"].delay_s = 0.0  # the answer standing is quickly said
    call.caller_says("And where is the clinic?")  # said while the first answer is being decided
    call.stt.lines.append("And where is the clinic?")  # heard again in the context the first answer had
    call.run_until(lambda: "We are at 12 Mill Street." in said(call))
    call.run_for(3)
    assert [e.text for e in call.of(TranscriptEvent) if e.final] == [
        "What are your opening hours?", "And where is the clinic?"]
    # the first answer was decided and started, and the caller, still talking, cut it (as a
    # barge-in does); the question they went on with is answered
    assert "We are open 8 to 6." in call.tts.spoken and len(call.of(BargeInEvent)) == 1
    assert said(call)[1:] == ["We are at 12 Mill Street."]
    call.finish()


@pytest.mark.parametrize("on_silence, action", [("hangup", "hung up"), ("transfer", "transferred")])
def test_silence_is_reprompted_then_the_silence_policy_applies(on_silence, action):
    call = greeted(reprompt_after_s=7.0, max_reprompts=2, on_silence=on_silence)
    greeted_at = call.loop.time()
    call.run_until(lambda: call.line.hung_up or call.line.transfers, limit_s=60)
    prompts = said(call)[1:]
    assert prompts[:2] == ["Are you still there? How can I help you?"] * 2
    assert len(prompts) == 3
    if action == "hung up":
        assert call.line.hung_up and call.line.end_reason == "local"
    else:
        assert call.line.transfers[0][0] == "sip:staff@clinic"
    assert 21 < call.loop.time() - greeted_at < 30  # three waits of 7 s, plus what was said
    if not call.line.hung_up:
        call.finish()
    else:
        call.loop.run_until_complete(call.task)


def test_keys_during_a_transfer_are_ignored_and_a_failed_transfer_returns_the_caller():
    call = greeted()
    call.caller_says("Can I talk to a real person?")
    call.run_until(lambda: call.line.transfers)
    assert call.session.handover.state == HandoverState.RINGING
    for digit in "0123":
        call.session.on_dtmf(digit)
    call.run_for(0.5)
    assert len(call.line.transfers) == 1 and call.session.keys_ignored == 4
    call.line.report_transfer(TransferState.NO_ANSWER)
    call.run_until(lambda: "nobody at the front desk" in said(call)[-1])
    assert call.session.handover.state == HandoverState.AGENT
    call.session.on_dtmf("0")  # the agent has the caller again: 0 reaches the desk
    call.run_until(lambda: len(call.line.transfers) == 2)
    call.finish()


def test_a_hung_engine_plays_the_whole_apology_then_transfers_to_staff():
    call = greeted(engine_timeout_s=2.0)
    call.line.echo_db = 20
    call.workers["stt"].hung = True
    call.caller_says("What are your opening hours?")
    spoke_at = call.loop.time() + 1.2
    call.run_until(lambda: call.of(AlertEvent))
    call.caller_says("Hello? Hello?", ms=1500)  # the caller talks over the apology: it plays on
    call.run_until(lambda: call.line.transfers)
    alert = call.of(AlertEvent)[0]
    assert "stt engine did not answer within 2.0 s" in alert.problem
    assert call.of(HandoverEvent)[0].reason.startswith("the stt engine")
    # the hold (no early transcript to judge the pause by), 2 s of waiting, 2 s of apology, the transfer
    assert call.loop.time() - spoke_at == pytest.approx(1.21 + 2.0 + 2.0, abs=0.02)
    assert not call.of(BargeInEvent) and set(call.hub.stuck) == {"stt"}  # later calls fall back at once
    call.line.report_transfer(TransferState.FAILED)  # nobody takes it: a callback, then goodbye
    call.run_for(0.1)
    call.session.on_dtmf("0")  # keys change nothing now
    call.run_until(lambda: call.line.hung_up)
    assert len(call.line.transfers) == 1 and call.session.keys_ignored == 1
    call.loop.run_until_complete(call.task)
    assert call.session.outcome == "message"


def test_the_front_desk_takes_over_with_the_summary_and_the_caller_cannot_talk_over_it():
    call = greeted()
    summary = call.loop.run_until_complete(call.session.hand_over("sip:desk@clinic", "taken over at the desk"))
    assert summary == "Caller asked a general question. Handover: taken over at the desk."
    handover = call.of(HandoverEvent)[0]
    assert (handover.target, handover.summary) == ("sip:desk@clinic", summary)
    assert said(call)[-1] == "One moment please, I'm putting you through to the front desk."
    assert call.line.transfers == [("sip:desk@clinic", {"reason": "taken over at the desk",
                                                        "caller": "+15550001111", "summary": summary}, "attended")]
    call.caller_says("Hello?")
    call.run_for(2)
    assert not [e for e in call.of(TranscriptEvent) if e.final]  # the agent hears no more turns
    call.line.report_transfer(TransferState.SUCCEEDED)
    call.finish()


def test_silence_with_nobody_to_transfer_to_ends_the_call():
    call = greeted(reprompt_after_s=2.0, max_reprompts=1, on_silence="transfer")
    call.session.config = call.config = replace(call.config, transfer=TransferConfig())
    call.run_until(lambda: call.line.hung_up, limit_s=30)
    assert said(call)[-1].startswith("I'm sorry, there is nobody I can put you through to")
    call.loop.run_until_complete(call.task)
    assert call.session.outcome == "no_input"


def slow_store(tmp_path, released: threading.Event) -> CallLog:
    """A call log whose turn writes wait for `released`, as behind a long lock."""
    log = CallLog(open_store(tmp_path / "store.db"))
    write_turn = log.add_turn

    def add_turn(*args, **kwargs):  # noqa: ANN002, ANN003
        released.wait(10)
        return write_turn(*args, **kwargs)
    log.add_turn = add_turn
    return log


def test_a_slow_store_never_holds_up_the_call_and_every_turn_is_still_written(tmp_path):
    released, worker = threading.Event(), ThreadPoolExecutor(1)
    log = slow_store(tmp_path, released)
    call = Call(recorder=lambda hub: CallRecorder(log, worker, "t1"))
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)  # would time out if a write were awaited
    assert call.of(TurnLatencyEvent)[0].stages_ms["first_frame_out"] == pytest.approx(220, abs=1)  # early end + a frame
    assert list(log.db.query("SELECT * FROM turns")) == []  # all still waiting for the store
    released.set()
    call.finish()
    worker.shutdown(wait=True)
    call_row = next(log.db.query("SELECT * FROM calls"))
    assert call_row["outcome"] == "caller_hung_up" and call_row["ended_at"]
    assert [(t["speaker"], t["text"]) for t in log.turns(call_row["id"])] == [
        ("agent", GREETING), ("caller", "What are your opening hours?"), ("agent", "We are open 8 to 6.")]


def test_a_store_that_refuses_every_write_is_logged_and_the_call_goes_on(tmp_path, caplog):
    path = tmp_path / "store.db"
    open_store(path)
    locked = sqlite3.connect(path)
    locked.execute("BEGIN EXCLUSIVE")  # another writer holds the store for good
    impatient = sqlite_utils.Database(sqlite3.connect(path, timeout=0, isolation_level=None,
                                                      check_same_thread=False))
    worker = ThreadPoolExecutor(1)
    call = Call(recorder=lambda hub: CallRecorder(CallLog(impatient), worker, "t1"))
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    assert said(call) == [GREETING, "We are open 8 to 6."]
    call.finish()
    worker.shutdown(wait=True)
    assert "call t1: the call log could not record the call: database is locked" in caplog.text
    locked.rollback()


class ReadingAhead(FaqPolicy):
    """The FAQ policy, noting what it was asked to read ahead and when."""

    def __init__(self, clinic) -> None:  # noqa: ANN001
        super().__init__(clinic, "hangup")
        self.prepared: list[str] = []
        self.stale: list = []  # each reading's way to learn it is no longer needed

    def prepare(self, text: str, stale) -> None:  # noqa: ANN001
        self.prepared.append(text)
        self.stale.append(stale)


def test_a_pause_that_may_end_the_turn_starts_reading_it_ahead_and_one_that_goes_on_does_not():
    call = Call(endpoint_silence_ms=450)
    call.session.policy = policy = ReadingAhead(call.config.clinic)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("Um...")  # trails off: held, nothing to read yet
    call.run_until(lambda: call.of(TurnLatencyEvent))
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(TurnLatencyEvent)) == 2)
    assert policy.prepared == ["What are your opening hours?"]
    call.finish()


def test_a_reading_ahead_the_caller_went_on_from_is_told_to_stop():
    call = Call(endpoint_silence_ms=450)
    call.session.policy = policy = ReadingAhead(call.config.clinic)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.stt.lines.append(("Thanks.", "Thanks, that's all for today."))
    call.line.say(tone(500) + b"\0" * 32 * 250 + tone(900))  # read ahead at the pause, then goes on
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert policy.prepared == ["Thanks.", "Thanks, that's all for today."]
    assert [stale() for stale in policy.stale] == [True, False]
    call.finish()


class Spelling(FaqPolicy):
    """The FAQ policy, asking for a spelling after its first answer."""

    def __init__(self, clinic) -> None:  # noqa: ANN001
        super().__init__(clinic, "hangup")
        self.replies = 0

    def respond(self, text: str, confidence: float, alternative: bool = False):  # noqa: ANN201
        self.replies += 1
        return super().respond(text, confidence)

    def spelled(self) -> NameSpelling | None:
        return NameSpelling(("Khan",), first=False) if self.replies > 0 else None


class DateAsked(FaqPolicy):
    """The FAQ policy, asking for a date of birth after its first answer and noting how each
    reply's turn was read."""

    def __init__(self, clinic) -> None:  # noqa: ANN001
        super().__init__(clinic, "hangup")
        self.alternatives: list[bool] = []

    def respond(self, text: str, confidence: float, alternative: bool = False):  # noqa: ANN201
        self.alternatives.append(alternative)
        return super().respond(text, confidence)

    def expected(self) -> DateOfBirthAsked | None:
        return DateOfBirthAsked(False, date(2026, 11, 29)) if self.alternatives else None


def test_the_recogniser_is_told_the_answer_expected_and_the_policy_that_its_reading_is_an_alternative():
    call = Call()
    call.session.policy = policy = DateAsked(call.config.clinic)
    call.stt.alternatives = {1: "March furred, 1986."}  # the second turn: a less likely reading, with the date
    call.run_until(lambda: call.of(AgentSaidEvent))
    for line in ("What are your opening hours?", "March 3rd, 1986."):
        call.caller_says(line)
        call.run_until(lambda: len(call.of(TurnLatencyEvent)) == 1 + (line[0] == "M"))
    assert call.stt.expected == [None, DateOfBirthAsked(False, date(2026, 11, 29))]
    assert policy.alternatives == [False, True]
    call.finish()


def test_the_recogniser_hears_the_policys_hint_and_is_told_when_a_word_is_spelled():
    call = Call()
    call.session.policy = Spelling(call.config.clinic)
    call.run_until(lambda: call.of(AgentSaidEvent))
    for line in ("What are your opening hours?", "K H A N."):
        call.caller_says(line)
        call.run_until(lambda: len(call.of(TurnLatencyEvent)) == 1 + (line[0] == "K"))
    assert [letters for _, letters in call.stt.asked] == [None, NameSpelling(("Khan",), first=False)]
    assert {hint for hint, _ in call.stt.asked} == {call.config.clinic.name}
    call.finish()

