"""A call the box places, on the virtual clock: a person is greeted once their hello is over; a
mailbox's greeting plays to its beep before the voicemail is said, and nothing said to the
mailbox is taken for a turn; keys before anyone is greeted are ignored."""

from __future__ import annotations

from appliance.dialogue.reply import Action, Reply
from appliance.voice.answering import AnsweringDetector
from appliance.voice.events import AgentSaidEvent, AnsweredByEvent, TranscriptEvent, TransferState
from tests.voice.harness import Call
from tests.voice.test_answering import buzz, tone


class Reminding:
    """A call-out policy: a greeting, a voicemail, and every answer ends the call."""

    def greeting(self, number: str) -> Reply:
        return Reply.say("Hello, this is a reminder from the clinic.")

    def voicemail(self) -> Reply:
        return Reply.say("A reminder from the clinic, please call us back.", Action("hangup", "voicemail"))

    def respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        return Reply.say("Thank you, goodbye.", Action("hangup", "done"))

    def dtmf(self, digit: str) -> Reply:
        return Reply.say("You pressed a key.", Action("hangup", "key"))

    def silence(self, count: int, final: bool) -> Reply:
        return Reply.say("Are you there?", Action("hangup", "silent") if final else None)

    def hint(self) -> str:
        return ""

    def spelled(self) -> None:
        return None

    def expected(self) -> None:
        return None

    def answered(self, text: str) -> bool:
        return False

    def unfinished(self, text: str) -> bool:
        return False

    def takes_digits(self) -> bool:
        return False

    def prepare(self, text: str, stale) -> None:  # noqa: ANN001
        pass

    def transfer_failed(self) -> Reply:
        return Reply.say("")

    def bind_call(self, record_id: int) -> None:
        pass

    def handover(self, reason: str) -> str:
        return reason

    def outcome(self) -> str | None:
        return None

    def close(self) -> None:
        pass


def said(call: Call) -> list[str]:
    return [e.text for e in call.of(AgentSaidEvent)]


def test_a_person_is_greeted_once_their_hello_is_over():
    call = Call(policy=Reminding(), answering=AnsweringDetector())
    call.line.say(buzz(0.6))
    call.run_until(lambda: call.of(AnsweredByEvent))
    assert call.of(AnsweredByEvent)[0].answered_by == "person"
    call.run_until(lambda: said(call))
    assert said(call) == ["Hello, this is a reminder from the clinic."]
    assert not call.of(TranscriptEvent)  # the hello is not a turn
    assert 0.7 < call.of(AnsweredByEvent)[0].after_s - 0.6 < 1.5  # seconds of audio heard after the hello
    call.finish()


def test_a_mailbox_hears_the_voicemail_only_after_its_beep():
    call = Call(policy=Reminding(), answering=AnsweringDetector())
    call.line.say(buzz(4.0) + b"\0\0" * 6400 + tone(1000, 0.5))
    beep_ends = call.loop.time() + 4.9
    call.session.on_dtmf("1")  # a key before anyone was greeted changes nothing
    call.run_until(lambda: call.line.hung_up, limit_s=30)
    machine = call.of(AnsweredByEvent)[0]
    assert machine.answered_by == "machine" and machine.ready_after_s >= 4.9
    assert said(call) == ["A reminder from the clinic, please call us back."]
    assert not call.line.heard_between(0, beep_ends)  # nothing played over the greeting or the beep
    assert not call.of(TranscriptEvent) and call.session.keys_ignored == 1
    call.loop.run_until_complete(call.task)


def test_taken_over_while_finding_who_answered_and_back_the_agent_hears_turns_again():
    call = Call(policy=Reminding(), answering=AnsweringDetector())
    call.line.say(buzz(0.4))
    call.run_for(0.3)
    call.loop.run_until_complete(call.session.hand_over("sip:desk@clinic", "the front desk took the call over"))
    call.run_until(lambda: call.line.transfers)
    call.line.report_transfer(TransferState.NO_ANSWER)  # nobody took it: the agent has the caller again
    call.run_for(1.0)
    call.caller_says("Yes, I'll be there.")
    call.run_until(lambda: call.of(TranscriptEvent), limit_s=20)
    assert call.session.answering is None
    call.finish()
