"""A recorded call on the virtual clock: nothing before the recording notice is kept, a caller
who talks over it hears it before the next answer, a decline (said or keyed) keeps nothing
and the call log says so, the recording ends when the caller is with staff, and card numbers
never reach the call log."""

from __future__ import annotations

import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from appliance.audio import level_dbfs
from appliance.crm.calls import CallLog
from appliance.crm.db import open_store
from appliance.dialogue import wording
from appliance.dialogue.consent import DECLINE_KEY
from appliance.models.protocols import FRAME_BYTES
from appliance.voice.events import AgentSaidEvent, BargeInEvent, CallCardEvent, TransferState
from appliance.dialogue.reply import Action, Reply
from appliance.voice.recorder import CallRecorder
from appliance.voice.recording import RecordingWindow
from tests.dialogue.clinic import build_store, make_dialogue
from tests.voice.harness import Call, tone

NOTICE = wording.RECORDING_NOTICE


class RecordedCall(Call):
    """A call through the receptionist's dialogue, recorded, with its call log and recordings."""

    def __init__(self, tmp_path, recording: bool = True, **voice) -> None:  # noqa: ANN001
        db, _ = build_store(tmp_path / "store.db")
        self.worker = ThreadPoolExecutor(1)
        self.log = CallLog(open_store(tmp_path / "store.db"))
        self.folder = tmp_path / "recordings"
        super().__init__(policy=make_dialogue(db, recording=recording), **voice, recorder=lambda hub: CallRecorder(
            self.log, self.worker, "t1", recordings=self.folder if recording else None))
        self.line.record = True

    def said(self) -> list[str]:
        return [e.text for e in self.of(AgentSaidEvent)]

    def hang_up(self) -> dict:
        """The caller hangs up; the call's row once its record is closed."""
        self.finish()
        self.worker.shutdown(wait=True)
        return next(self.log.db.query("SELECT * FROM calls"))

    def kept(self, row: dict) -> tuple[np.ndarray, np.ndarray]:
        """The recording kept: (caller, agent) samples."""
        with wave.open(row["recording_path"], "rb") as wav:
            both = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
        return both[:, 0], both[:, 1]


def frame_levels(samples: np.ndarray) -> list[float]:
    pcm = samples.astype("<i2").tobytes()
    return [level_dbfs(pcm[i:i + FRAME_BYTES]) for i in range(0, len(pcm), FRAME_BYTES)]


def test_nothing_the_caller_said_or_heard_before_the_notice_ended_is_kept(tmp_path):
    call = RecordedCall(tmp_path)
    call.line.say(tone(3000, dbfs=-50, hz=1000))  # the caller's room during the greeting: quiet, no speech
    greeted = call.run_until(lambda: call.of(AgentSaidEvent))
    assert NOTICE in call.said()[0] and "automated assistant" in call.said()[0]
    assert call.said()[0].index("automated assistant") < call.said()[0].index(NOTICE) < call.said()[0].index(
        "How can I help")
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    call.run_for(0.5)
    ended = call.loop.time()
    row = call.hang_up()
    caller, agent = call.kept(row)
    assert len(caller) / 16000 == pytest.approx(ended - greeted, abs=0.05)  # from the notice's end on
    levels = frame_levels(caller)
    assert not [level for level in levels if -60 < level < -40], "the room before the notice is not kept"
    assert max(levels) > -25, "the caller's question is"
    assert max(frame_levels(agent)[:5]) < -60, "the greeting is not in it; the agent's answer is"
    assert max(frame_levels(agent)) > -10


def test_a_caller_who_talks_over_the_notice_hears_it_before_the_answer(tmp_path):
    call = RecordedCall(tmp_path, barge_in_ms=160)
    call.run_until(lambda: call.line.played)
    call.run_for(1.0)  # the notice comes later in the greeting
    call.caller_says("Where are you?", ms=800)
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    assert call.of(BargeInEvent) and NOTICE not in call.said()[0]
    assert call.said()[1].startswith(NOTICE) and "12 Mill Street" in call.said()[1]
    answered = call.loop.time()
    call.run_for(0.5)
    ended = call.loop.time()
    caller, _ = call.kept(call.hang_up())
    assert len(caller) / 16000 == pytest.approx(ended - answered, abs=0.05)  # the question was before it


def test_without_the_notice_heard_nothing_is_kept(tmp_path):
    call = RecordedCall(tmp_path)
    call.run_until(lambda: call.line.played)
    call.run_for(0.5)
    call.line.end()  # the caller hangs up during the greeting
    row = call.hang_up()
    assert row["recording_path"] is None and not call.folder.exists()


@pytest.mark.parametrize("decline", ["I'd rather not be recorded.", "Please don't record this call.", "key"])
def test_a_caller_who_declines_keeps_no_recording_and_the_call_log_says_so(tmp_path, decline):
    call = RecordedCall(tmp_path)
    call.run_until(lambda: call.of(AgentSaidEvent))
    if decline == "key":
        call.session.on_dtmf(DECLINE_KEY)
    else:
        call.caller_says(decline)
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    assert call.said()[1] == f"{wording.RECORDING_DECLINED} {wording.HOW_CAN_I_HELP}"
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 3)
    row = call.hang_up()
    assert row["recording_path"] is None and not call.folder.exists()
    assert row["end_reason"].endswith("the caller declined the recording")


def test_the_recording_ends_when_the_caller_is_with_staff(tmp_path):
    call = RecordedCall(tmp_path)
    greeted = call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("Can I speak to a real person please?")
    call.run_until(lambda: call.line.transfers)
    call.line.report_transfer(TransferState.SUCCEEDED)
    call.run_for(0.1)
    with_staff = call.loop.time()
    call.caller_says("Hi, it's about my bill.", ms=2000)  # to staff, still on this line
    call.run_for(3)
    caller, _ = call.kept(call.hang_up())
    assert len(caller) / 16000 == pytest.approx(with_staff - greeted, abs=0.15)


def test_no_notice_and_no_recording_when_calls_are_not_recorded(tmp_path):
    call = RecordedCall(tmp_path, recording=False)
    call.run_until(lambda: call.of(AgentSaidEvent))
    assert NOTICE not in call.said()[0] and "automated assistant" in call.said()[0]
    assert call.hang_up()["recording_path"] is None


def test_a_card_number_is_refused_and_never_reaches_the_call_log(tmp_path):
    call = RecordedCall(tmp_path)
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("I want to pay my bill, my card number is 4111 1111 1111 1111")
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    assert call.said()[1].startswith(wording.CARD_REFUSED)
    row = call.hang_up()
    turns = [t["text"] for t in call.log.turns(row["id"])]
    assert "I want to pay my bill, my card number is [card number removed]" in turns
    assert not any("4111" in text for text in turns)


def test_the_notice_is_not_put_before_a_goodbye_or_a_transfer():
    window = RecordingWindow(recorded=True)
    window.with_notice(Reply("Thank you for calling. " + NOTICE + " How can I help?", notice=NOTICE))
    window.heard("Thank you for")  # talked over before the notice
    assert window.start is None
    assert window.with_notice(Reply("Goodbye!", Action("hangup"))).text == "Goodbye!"
    assert window.with_notice(Reply("Sure.")).text == f"{NOTICE} Sure."
    window.heard(f"{NOTICE} Sure.")
    assert window.start == 0 and window.with_notice(Reply("Sure.")).text == "Sure."


def test_each_decision_sends_the_front_desk_the_call_card_when_it_changed(tmp_path):
    call = RecordedCall(tmp_path, recording=False)
    call.run_until(lambda: call.of(AgentSaidEvent))
    first = call.of(CallCardEvent)
    assert len(first) == 1 and first[0].fields["waiting_for"] == "what the caller wants"  # an unknown number
    call.caller_says("I'd like to book a cleaning")
    call.run_until(lambda: len(call.of(AgentSaidEvent)) == 2)
    cards = call.of(CallCardEvent)
    assert len(cards) == 2 and cards[-1].fields["wants"] == "book an appointment"
    assert cards[-1].fields["service"] == "cleaning"
    call.hang_up()
