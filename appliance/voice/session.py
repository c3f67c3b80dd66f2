"""One call's conversation over any transport: listen, find the end of the turn, answer.

Runs on the event loop; the transport hands it frames and call events (`CallListener`).
Recognition and speech run on the engines' own workers (`EngineHub`), the policy on the
call's own dialogue worker (`EngineHub.lane`), the call log on the store's worker
(`CallRecorder`). The parts, each with one job:
- `TurnDetector`: when the caller starts, pauses and is done. Recognition starts on the
  pause, so the transcript is ready at the endpoint, and so does the end-of-turn model; with
  what they tell (a finished sentence that sounds finished, or half a phone number) the turn
  ends early or waits longer;
- `Speaker`: the agent's voice, sentence by sentence, and what of it the caller heard;
- `BargeInDetector`: the caller talking over the agent (not its echo) stops it; when all they
  said was a yes or a thanks (or too little to read: the "please" of "..., | please"), going on
  with their own turn ("Yes, | that's right.") or before the reply's question, the agent says
  again (once) what they talked over instead of answering it;
- a caller going on with the turn just answered (the answer cut them off at a pause: "No, it's
  Grace Whitfield. | W H I T ...") stops the answer as they start: the policy takes it back,
  unless it changed the store, and the turn is recognised again whole;
- `Handover`: whether the agent, a transfer or staff has the caller;
- `AnsweringDetector` (calls the box places): a person is greeted once their "Hello?" ends; a
  mailbox's greeting is let play to its beep, then the policy's voicemail is left;
- `RecordingWindow`: when calls are recorded, the part of the audio kept: from the end of the
  recording notice the caller heard to the end of the agent's part, none if they declined.
An engine that raises or outlives `voice.engine_timeout_s` never leaves the caller in
silence: an apology rendered at start-up plays, then the call goes to staff, or a callback
request is left for them and the call ends.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from appliance.audio import SAMPLE_RATE, level_dbfs
from appliance.config import Config
from appliance.dialogue import wording
from appliance.dialogue.reply import NO_INPUT, Action, Reply
from appliance.dialogue.sensitive import screen
from appliance.dialogue.understand import adds_nothing
from appliance.dialogue.unfinished import says_something
from appliance.models.protocols import Expected, Spelling, SttResult
from appliance.voice.answering import AnsweringDetector, Heard
from appliance.voice.bargein import BargeInDetector, BargeInOptions
from appliance.voice.events import (
    AgentSaidEvent,
    AgentState,
    AgentStateEvent,
    AlertEvent,
    AnsweredByEvent,
    BargeInEvent,
    CallCardEvent,
    Event,
    HandoverEvent,
    TranscriptEvent,
    TransferEvent,
    TransferState,
    TurnLatencyEvent,
)
from appliance.voice.handover import Handover, HandoverState
from appliance.voice.hub import EngineHub, EngineStuckError
from appliance.voice.policy import Policy
from appliance.voice.recorder import CallRecorder
from appliance.voice.recording import RecordingWindow
from appliance.voice.sentences import missed_from
from appliance.voice.speaker import Speaker
from appliance.voice.timing import TurnTiming
from appliance.voice.transport import CallTransport
from appliance.voice.turns import TurnDetector, TurnSignal, Verdict, turn_options

log = logging.getLogger(__name__)
HANDOVER_ANNOUNCE_S = 10.0  # longest wait for "putting you through" before transferring
RECORD_CLOSE_S = 10.0  # longest wait at the end of a call for its record to be closed
MAX_WAITING_KEYS = 16
DECISION_GRACE_S = 0.15  # the least a decision is given before "One moment." is said
# a caller who speaks again this soon after their last word goes on with their own turn: they
# cannot be answering a reply that began after a pause of theirs (a comma's can be 300-600 ms);
# the answer is taken back and the turn heard whole, or, when it stands, said again if need be
GOING_ON_MS = 800
GOING_ON_MAX_S = 12.0  # ...unless what they said before is this long: it is not recognised again and again
FAILED_TRANSFER = (TransferState.BUSY, TransferState.NO_ANSWER, TransferState.FAILED)


@dataclass(frozen=True)
class Listening:
    """What the recogniser is told of a turn: `Policy.hint`, `spelled` and `expected` when it began."""

    hint: str = ""
    letters: Spelling | None = None
    expected: Expected | None = None


@dataclass(frozen=True)
class AnsweredTurn:
    """A caller's turn the agent has answered, as the caller may go on with it."""

    audio: bytes
    context: Listening  # the recogniser's, for it
    speech_end: float  # when its last word ended
    whole: bool  # it went on from the turn before, whose answer was taken back


def _log_failure(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("reading a turn ahead failed", exc_info=future.exception())


class CallSession:
    """The conversation on one call."""

    def __init__(self, transport: CallTransport, hub: EngineHub, policy: Policy, config: Config,
                 recorder: CallRecorder | None, publish: Callable[[Event], None],
                 answering: AnsweringDetector | None = None) -> None:
        self.transport = transport
        self.call_id = transport.call_id
        self.hub = hub
        self.policy = policy
        self.config = config
        self.voice = config.voice
        self.recorder = recorder
        self.publish = publish
        self.loop: asyncio.AbstractEventLoop | None = None  # the running loop, from `run`
        self.vad = hub.vad.stream()
        self.lane = hub.lane()  # where the policy decides, in order, and keeps its state
        self.ahead = hub.lane()  # where it reads turns ahead: a decision never waits behind a stale one
        v = self.voice
        self.turns = TurnDetector(turn_options(v))
        self.bargein = BargeInDetector(BargeInOptions(
            min_speech_ms=v.barge_in_ms, min_dbfs=v.barge_in_min_dbfs, echo_margin_db=v.echo_margin_db))
        self.speaker = Speaker(transport, self._synthesize, ready=self.hub.phrases.__contains__)
        self.handover = Handover()
        self.stt = None  # the turn's recognition stream while the caller speaks
        self.context = Listening()  # ...and the recogniser's context for it
        self.heard_whole = False  # ...which holds the turn before it, whose answer was taken back
        self.answered_turn: AnsweredTurn | None = None  # the last turn, while its answer may be taken back
        self.heard = bytearray()  # the turn's audio so far, for the end-of-turn model
        self.speculative: Future | None = None
        self.sounds_done: Future | None = None  # the end-of-turn model's score of the pause
        self.reading: Future | None = None  # the language model reading the turn ahead
        self.reading_stale = threading.Event()  # ...set once the caller went on: it stops
        self.reply: asyncio.Task | None = None  # answering a turn: recognition, policy, speech
        self.speaking: Reply | None = None  # the reply being spoken
        self.thinking = False  # a decision is being made (or taken back): frames wait (`backlog`) until it is
        self.backlog: list[tuple[float, bytes]] = []
        self.key: asyncio.Task | None = None  # a key press being handled
        self.handing_over: asyncio.Task | None = None  # the front desk's or a fail-over's hand-over
        self.opened: Future | None = None  # the call's record, being created
        self.keys_ignored = 0
        self.keys_waiting: list[str] = []  # digits pressed while one was handled, when the policy takes digits
        self.idle_since = 0.0
        self.reprompts = 0
        self.barge_onset = 0.0
        self.last_word = -math.inf  # when the caller's last turn ended (its last speech frame)
        self.talked_over: Reply | None = None  # what of the reply the caller cut into they missed
        self.said_again: Reply | None = None  # ...being said again (once: not again if cut again)
        self.turn = 0
        self.decisions = 0  # decisions started: an answer may be taken back only if none came after it
        self.outcome = ""  # completed | no_input | message, as decided on the call
        self.closed_as = ""  # the outcome the call's record was closed with
        self.last_caller_text = ""
        self.card: dict[str, str] = {}  # the last call card sent to the front desk
        self.ack_mark = ""  # the mark of the last "One moment."
        self.ended = asyncio.Event()
        self.answering = answering  # an outbound call: who answered is found first
        self.answered: dict[Heard, asyncio.Event] = {heard: asyncio.Event() for heard in Heard}
        self.window = RecordingWindow(recorder is not None and recorder.recordings is not None)

    # --- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """Greet, then converse until the call ends; then close the call's record."""
        self.loop = asyncio.get_running_loop()
        self.idle_since = self.loop.time()
        caller = self.transport.caller
        if self.recorder is not None:
            self.opened = self.recorder.open(caller.number, caller.name, self.transport.direction,
                                             then=self._bind)
        self.transport.open(self.loop, self)
        try:
            self.hub.call_began()
            self._start_reply(self._greet() if self.answering is None else self._pick_up())
            await self.ended.wait()
        finally:
            self.hub.call_ended()
            for task in (self.reply, self.key, self.handing_over):
                await self._cancel(task)
            self._set_state(AgentState.ENDED)
            if self.keys_ignored:
                log.info("%d key(s) ignored on %s", self.keys_ignored, self.call_id)
            self.closed_as = await self._final_outcome()
            if self.recorder is not None:
                closed = self.recorder.close(self.closed_as, self.transport.end_reason,
                                             lambda: self.window.kept(self.transport.recording()),
                                             declined=self.window.declined)
                await asyncio.wait([asyncio.wrap_future(closed)], timeout=RECORD_CLOSE_S)

    async def _greet(self) -> None:
        self.thinking = True
        try:
            reply = await self._decide(self.policy.greeting, self.transport.caller.number)
        finally:
            self._thought()
        if reply is not None:
            await self._say(reply, None)

    async def _pick_up(self) -> None:
        """An outbound call: greet a person once they have said hello; let a mailbox's greeting
        play to its beep (or its end, or the detector's longest wait), then leave the voicemail."""
        a, person, machine = self.answering, self.answered[Heard.PERSON], self.answered[Heard.MACHINE]
        waits = [asyncio.ensure_future(person.wait()), asyncio.ensure_future(machine.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        if person.is_set():
            self.emit(AnsweredByEvent(call_id=self.call_id, answered_by="person", reason=a.reason,
                                      after_s=a.decided_at_s or 0.0))
            await self._greet()
            return
        await self.answered[Heard.RECORDING].wait()
        self.emit(AnsweredByEvent(call_id=self.call_id, answered_by="machine", reason=a.reason,
                                  after_s=a.decided_at_s or 0.0, ready_after_s=round(a.recording_at_s, 2)))
        reply = await self._decide(self.policy.voicemail)  # the mailbox is not listened to any more
        if reply is not None:
            await self._say(reply, None)

    def _find_who_answered(self, pcm: bytes) -> None:
        """One frame of an outbound call before anyone is greeted."""
        speech = self.turns.hears_speech(self.vad.feed(pcm), self.hub.vad.threshold, level_dbfs(pcm))
        heard = self.answering.feed(pcm, speech)
        if heard is not None:
            self.answered[heard].set()
            if heard == Heard.PERSON:
                self.answering = None  # from now on the caller's frames are turns
                self.idle_since = self.loop.time()

    def emit(self, event: Event) -> None:
        """Record and publish an event of this call."""
        if self.recorder is not None:
            self.recorder.on_event(event)
        self.publish(event)

    # --- what the transport reports (CallListener) -------------------------------------
    def on_frame(self, arrived: float, pcm: bytes) -> None:
        """One frame of the caller."""
        self.window.frame()
        if self.ended.is_set() or not self.handover.agent_in_charge:
            return  # the caller is being handed over: the agent hears no more turns
        if self.answering is not None:
            self._find_who_answered(pcm)
            return
        if self.thinking:
            self.backlog.append((arrived, pcm))  # heard once the agent has decided, as it speaks
            return
        level = level_dbfs(pcm)
        speech = self.turns.hears_speech(self.vad.feed(pcm), self.hub.vad.threshold, level)
        playing = self.speaking is not None or self.speaker.busy
        if playing:
            agent_level = self.speaker.agent_level()
            triggered = self.bargein.feed(speech, level, agent_level)
            if self.bargein.onset_frames_ago == 1:
                self.barge_onset = arrived
            if triggered:
                self._barge_in()
            speech = self.bargein.counts(speech, level, agent_level)
        signal = self.turns.feed(pcm, speech, arrived)
        if signal == TurnSignal.START:
            self._start_turn(arrived)
        elif self.stt is not None:
            self.heard += pcm
            self._feed_stt(pcm)
        if signal == TurnSignal.PAUSED:
            self.speculative = self.hub.submit("stt", self.stt.finish)
            self.sounds_done = self._score_pause()
        elif signal == TurnSignal.RESUMED:  # the caller went on: the pause's readings are stale, and
            self.reading_stale.set()  # a reading already started stops at its next token
            for stale in (self.speculative, self.sounds_done, self.reading):  # dropped if not started
                if stale is not None:
                    stale.cancel()
            self.speculative = self.sounds_done = None
        if signal == TurnSignal.END or self._judged():
            self._end_turn()
        elif self.stt is None and self.reply is None and not self.speaker.busy:
            self._maybe_reprompt()

    def on_played(self, mark: str, at: float) -> None:
        """The first frame of a reply went out."""
        self.speaker.on_played(mark, at)

    def on_drained(self) -> None:
        """Everything queued has played."""
        self.speaker.on_drained()

    def on_dtmf(self, digit: str) -> None:
        """A key press. Keys pressed while one is handled, once the call is being handed over, or
        before anyone was greeted on a call the box placed, are dropped: a flood of keys is one
        key; while the policy takes digits (a date of birth keyed in), they wait their turn instead."""
        transferring = not self.handover.agent_in_charge or (
            self.speaking is not None and self.speaking.action is not None
            and self.speaking.action.kind == "transfer")
        if self.answering is not None:  # nobody has been greeted yet, or a mailbox is recording
            self.keys_ignored += 1
            return
        if self.key is not None and not transferring and self.policy.takes_digits() and len(
                self.keys_waiting) < MAX_WAITING_KEYS:
            self.keys_waiting.append(digit)
            return
        if self.key is not None or transferring:
            if not self.keys_ignored:  # one line per call, the count when it ends
                log.info("keys on %s ignored while %s", self.call_id,
                         "handing over" if transferring else "another key is being handled")
            self.keys_ignored += 1
            return
        self.key = self.loop.create_task(self._key(digit))

    def on_transfer(self, event: TransferEvent) -> None:
        """Transfer progress: success ends our part, failure returns the caller."""
        if event.state == TransferState.SUCCEEDED:
            self.handover.succeeded()
            self.window.stop()  # the caller talks with staff now: that is not the agent's to record
        elif event.state in FAILED_TRANSFER:
            self.handover.failed()
            if self.handover.failed_over:
                self.handing_over = self.loop.create_task(self._call_back_later(self.handover.problem))
            else:
                self._start_reply(self._transfer_failed())

    def on_ended(self) -> None:
        """The call is over."""
        self.speaker.on_ended()
        self.ended.set()

    # --- the caller's turn ---------------------------------------------------------------
    def _start_turn(self, arrived: float) -> None:
        """The caller began a turn: recognise it; when they go on with the turn the agent just
        answered (within `GOING_ON_MS` of its last word: the answer cut them off at a pause), ask
        the policy to take that answer back, their frames waiting meanwhile."""
        self.speculative = None
        context = Listening(self.policy.hint(), self.policy.spelled(), self.policy.expected())
        self._recognise(context, self.turns.onset_audio(), whole=False)
        answered, self.answered_turn = self.answered_turn, None
        onset = arrived - self.turns.endpointer.speech_start_offset_ms / 1000
        if answered is None or (onset - answered.speech_end) * 1000 > GOING_ON_MS or (
                len(answered.audio) > GOING_ON_MAX_S * SAMPLE_RATE * 2):
            return
        try:
            taken_back = self.lane.submit(self.policy.take_back)
        except RuntimeError:  # the call's dialogue is closed
            return
        self.thinking = True
        taken_back.add_done_callback(lambda f: self.loop.call_soon_threadsafe(self._went_on, f, answered))

    def _went_on(self, taken_back: Future, answered: AnsweredTurn) -> None:
        """The policy said whether it took back its answer to the turn the caller went on with;
        if it did, the agent stops, and the turn is heard whole, from its first word, with the
        recogniser's context of its start; else that answer stands, and what they go on with is a
        turn of its own, still recognised with that context's hint (not the next question's: "Yes,
        | that's right." after a booking, heard with the doctors' names the next question expects,
        was written "Dr. Okafor. Dr. O" in noise, and read as a new booking), unless that was a
        spelling; the answer it expected is not expected of the rest."""
        try:
            if (taken_back.cancelled() or taken_back.exception() is not None or self.ended.is_set()
                    or not self.handover.agent_in_charge):
                return
            if not taken_back.result():  # the answer stands: the rest is a turn of its own, heard in that
                if answered.context.letters is None:  # answer's context (not as letters: "C H E N. | Next Tuesday")
                    self._recognise(Listening(answered.context.hint), bytes(self.heard), whole=False)
                return
            if self.speaking is not None or self.speaker.busy:
                self._stop_speaking()
            elif self.reply is not None:  # decided, not yet speaking
                self.reply.cancel()
            self.talked_over = None
            log.info("call %s: the caller went on with turn %d, heard whole", self.call_id, self.turn)
            self._recognise(answered.context, answered.audio + self.heard, whole=True)
        finally:
            self._thought()

    def _recognise(self, context: Listening, audio: bytes, whole: bool) -> None:
        """Recognise the turn in progress from `audio` on, in `context` (`whole`: it holds the
        turn before it)."""
        self.context, self.heard_whole = context, whole
        self.turns.spelling = context.letters is not None
        self.stt = self.hub.stt.stream(context.hint, letters=context.letters, expected=context.expected)
        self.heard = bytearray(audio)
        self._feed_stt(audio)

    def _feed_stt(self, pcm: bytes) -> None:
        stream = self.stt
        future = self.hub.submit("stt", stream.feed, pcm)
        future.add_done_callback(lambda f: self.loop.call_soon_threadsafe(self._partials, f, stream))

    def _partials(self, future: Future, stream) -> None:  # noqa: ANN001
        """Words recognised so far in the turn still in progress (a partial decoded after the
        turn ended would show stale words under the final transcript)."""
        if stream is self.stt and future.exception() is None:
            for result in future.result():
                self.emit(TranscriptEvent(call_id=self.call_id, text=screen(result.text).text,
                                          confidence=result.confidence, final=False))

    def _score_pause(self) -> Future | None:
        """Ask the end-of-turn model whether the caller sounds done (None without the model)."""
        if self.hub.turn is None:
            return None
        return self.hub.submit("turn", self.hub.turn.finished, bytes(self.heard))

    def _judged(self) -> bool:
        """Once the pause's early transcript (and the model's score) are in, judge the pause;
        True when that ends the turn now. A failed early decode leaves it to the silence."""
        spec, score = self.speculative, self.sounds_done
        if self.turns.verdict is not None or not self.turns.paused or spec is None or not spec.done():
            return False
        if spec.exception() is not None:
            return self.turns.judge(Verdict.UNSURE)
        text = spec.result().likeliest or spec.result().text  # judged as heard, not as another reading
        unfinished = self.policy.unfinished(text)
        answered = not unfinished and self.policy.answered(text)
        if not (unfinished or answered) and score is not None and not score.done():
            return False  # the words alone neither hold nor end the turn: the model's score decides
        sounds = score.result() if score is not None and score.done() and score.exception() is None else None
        verdict = self.turns.options.verdict(says_something(text), unfinished, sounds, answered)
        if verdict != Verdict.UNFINISHED and text.strip():
            self._read_ahead(text)
        return self.turns.judge(verdict)

    def _read_ahead(self, text: str) -> None:
        """The answer may need the language model: start its reading now (one at a time per call,
        beside its decisions; a reading the caller's going on made stale is dropped if it has not
        started, and stops at its next token if it has: the model is shared, and a reading of the
        whole turn would wait for it)."""
        if self.reading is not None and not self.reading.done():
            self.reading_stale.set()
            self.reading.cancel()
        self.reading_stale = threading.Event()
        if "llm" in self.hub.stuck:
            return
        self.reading = self.ahead.submit(self.policy.prepare, text, self.reading_stale.is_set)
        self.reading.add_done_callback(_log_failure)

    def _end_turn(self) -> None:
        timing = TurnTiming(speech_end=self.turns.speech_end, clock=self.loop.time)
        timing.stamp("endpoint")
        self.last_word = self.turns.speech_end
        spec, stream = self.speculative, self.stt
        self.speculative, self.stt, self.sounds_done = None, None, None
        if stream is not None:
            turn = AnsweredTurn(bytes(self.heard), self.context, self.turns.speech_end, self.heard_whole)
            self._start_reply(self._answer(timing, spec, stream, turn))

    async def _answer(self, timing: TurnTiming, spec: Future | None, stream,  # noqa: ANN001
                      turn: AnsweredTurn) -> None:
        timeout = self.voice.engine_timeout_s
        self.thinking, self.ack_mark = True, ""
        missed, self.talked_over = self.talked_over, None
        try:
            try:
                result: SttResult = await (self.hub.wait("stt", spec, timeout) if spec
                                           else self.hub.run("stt", stream.finish, timeout=timeout))
            except EngineStuckError as exc:
                self._fail_over(str(exc))
                return
            except Exception:  # noqa: BLE001 - a failed decode is "not understood", never silence
                log.exception("speech recognition failed on %s", self.call_id)
                result = SttResult("", 0.0, True, 0.0)
            timing.stamp("stt_final")
            self.turn += 1
            kept = screen(result.text).text  # what is shown, stored and summed up: never card numbers
            self.emit(TranscriptEvent(call_id=self.call_id, text=kept, confidence=result.confidence, final=True,
                                      whole=turn.whole))
            self.last_caller_text = kept or self.last_caller_text
            self.reprompts = 0
            self._set_state(AgentState.THINKING)
            if self.opened is not None:  # the dialogue links what it writes to the call's record
                await asyncio.wait([asyncio.wrap_future(self.opened)], timeout=timeout)
            if missed is not None and (adds_nothing(result.text) or not result.text.strip()):
                reply = self.said_again = missed  # a yes, a thanks or a sound too short to read answers nothing
            else:
                self.said_again = None
                decision = self.decisions + 1
                reply = await self._decided(
                    self._decide(self.policy.respond, result.text, result.confidence, result.alternative), timing)
                self.answered_turn = turn if reply is not None and self.decisions == decision else None
        finally:
            self._thought()
        if reply is not None:
            await self._say(reply, timing)

    async def _decided(self, decision, timing: TurnTiming) -> Reply | None:  # noqa: ANN001 - a coroutine
        """The decision; when it takes long (the language model reads the turn: the rules decide
        in milliseconds), "One moment." first, `voice.acknowledge_after_ms` after the caller
        stopped (a decision that starts late, after a long recognition or a held turn, still gets
        `DECISION_GRACE_S` of its own)."""
        work = asyncio.ensure_future(decision)
        try:
            after = self.voice.acknowledge_after_ms / 1000
            wait = max(timing.speech_end + after - self.loop.time(), min(after, DECISION_GRACE_S))
            if after and not (await asyncio.wait([work], timeout=wait))[0]:
                self._acknowledge(timing)
            return await work
        finally:
            work.cancel()

    def _acknowledge(self, timing: TurnTiming) -> None:
        """Understanding takes long: say "One moment." at once (from the phrase cache: never
        waiting for speech either) while the decision goes on."""
        pcm = self.hub.phrases.get(wording.ONE_MOMENT)
        if pcm is None:
            return
        self.ack_mark = f"ack{self.turn}-{self.loop.time():.6f}"
        self.speaker.begin()
        self.speaker.playback.add(wording.ONE_MOMENT, pcm)
        self.speaker.write(pcm, self.ack_mark)
        timing.stamp("acknowledged")
        self._said(wording.ONE_MOMENT, interrupted=False)

    def _thought(self) -> None:
        """The decision is made: the frames that arrived meanwhile are heard now (as the reply
        starts, so a caller who spoke on is heard over it)."""
        self.thinking = False
        backlog, self.backlog = self.backlog, []
        self.loop.call_soon(lambda: [self.on_frame(*frame) for frame in backlog])

    def _maybe_reprompt(self) -> None:
        if self.loop.time() - self.idle_since < self.voice.reprompt_after_s:
            return
        self.reprompts += 1
        self._start_reply(self._reprompt(self.reprompts, self.reprompts > self.voice.max_reprompts))

    async def _reprompt(self, count: int, final: bool) -> None:
        reply = await self._decide(self.policy.silence, count, final)
        if reply is not None:
            await self._say(reply, None)

    async def _decide(self, decide, *args) -> Reply | None:  # noqa: ANN001
        """Run a policy decision on the call's dialogue worker (it may classify with the LLM or use the
        store); when it fails or hangs, the caller is handed over instead (None is returned). The
        answer to the last turn cannot be taken back once another decision is made."""
        self.answered_turn = None
        self.decisions += 1
        try:
            reply, card = await self.hub.decide(self.lane, self._with_card, decide, *args,
                                                timeout=self.voice.engine_timeout_s)
        except Exception as exc:  # noqa: BLE001
            log.exception("the policy failed on %s", self.call_id)
            self._fail_over(f"the agent had an internal error: {exc}")
            return None
        if card and card != self.card:
            self.card = card
            self.emit(CallCardEvent(call_id=self.call_id, fields=card))
        if reply is not None and reply.declines_recording:
            self.window.decline()
        return reply

    def _with_card(self, decide, *args) -> tuple[Reply | None, dict[str, str]]:  # noqa: ANN001
        """The decision, then the policy's card of the call (on the dialogue worker, where the policy
        keeps its state); a card that cannot be made is left out, never failing the turn."""
        reply = decide(*args)
        card = getattr(self.policy, "card", None)
        try:
            return reply, card() if card is not None else {}
        except Exception:  # noqa: BLE001 - the front desk's card is a help, not the call
            log.exception("the call card of %s failed", self.call_id)
            return reply, {}

    # --- the agent's turn ----------------------------------------------------------------
    def _start_reply(self, work) -> None:  # noqa: ANN001
        """Answer now: whatever the agent was about to say or still saying gives way."""
        previous, self.reply = self.reply, self.loop.create_task(work)
        if previous is not None:
            previous.cancel()
        self.reply.add_done_callback(self._reply_done)

    def _reply_done(self, task: asyncio.Task) -> None:
        if task is self.reply:
            self.reply = None
        if not task.cancelled() and task.exception() is not None:
            log.error("a reply on %s failed", self.call_id, exc_info=task.exception())

    async def _synthesize(self, sentence: str) -> bytes:
        pcm = await self.hub.speech(sentence, self.voice.engine_timeout_s)
        if asyncio.current_task().cancelling():  # the reply was stopped as its speech came in: a
            raise asyncio.CancelledError  # timeout's wait may return that speech and drop the cancel
        return pcm

    async def _say(self, reply: Reply, timing: TurnTiming | None, handing_over: bool = False) -> None:
        """Speak `reply` (after the recording notice, if the caller has not heard it yet), wait
        until it has played, then do its action."""
        if not (self.handover.agent_in_charge or handing_over) or self.ended.is_set():
            return
        reply = self.window.with_notice(reply) if not handing_over else reply
        self.talked_over = None  # a new reply: what the caller talked over before is said or past
        mark = f"turn{self.turn}-{self.loop.time():.6f}"
        ack, self.ack_mark = self.ack_mark, ""
        if not ack:  # after "One moment." the reply goes on the same playback: its echo is the agent's
            self.speaker.begin()
        self.bargein.reset()
        self.speaking = reply
        def stage(name: str) -> None:
            if timing is not None:
                timing.stamp(name)
            if name == "tts_first_audio":
                self._set_state(AgentState.SPEAKING)
        try:
            await self.speaker.speak(reply.text, mark, stage)
            await self.speaker.finished()
        except asyncio.CancelledError:
            self.speaking = None
            raise
        except Exception as exc:  # noqa: BLE001 - an engine failed mid-reply
            log.exception("reply failed on %s", self.call_id)
            self.speaking = None
            self._said(self.speaker.playback.full_text(), interrupted=True)
            self._fail_over(f"the reply failed: {exc}")
            return
        self.speaking = None
        latency = None
        if timing is not None:
            first = [self.speaker.played[m] for m in (ack, mark) if m in self.speaker.played]
            if first:
                timing.stamp("first_frame_out", min(first))
            latency = timing.breakdown_ms()
            self.emit(TurnLatencyEvent(call_id=self.call_id, turn=self.turn, stages_ms=latency))
        said = self.speaker.playback.full_text()
        self.answered_turn = None  # heard to its end: what the caller says next answers it
        if not self.ended.is_set():  # played to its end (not cut off by a hang-up)
            self.window.heard(said)
        self._said(said.removeprefix(wording.ONE_MOMENT).lstrip() if ack else said, interrupted=False, latency=latency)
        self.idle_since = self.loop.time()
        self._set_state(AgentState.LISTENING)
        if reply.action is not None and not handing_over:
            self._act(reply.action)

    def _barge_in(self) -> None:
        reply = self.speaking
        heard, dropped = self._stop_speaking()
        self.talked_over = self._missed(reply, heard)
        self.emit(BargeInEvent(call_id=self.call_id, frames_dropped=dropped,
                               stopped_after_ms=round((self.loop.time() - self.barge_onset) * 1000, 1)))

    def _stop_speaking(self) -> tuple[str, int]:
        """Stop the reply being spoken where the caller is; return (what they heard of it, the
        frames dropped)."""
        heard, dropped = self.speaker.interrupt()
        task, self.reply = self.reply, None
        if task is not None:
            task.cancel()
        self.speaking = None
        self.window.heard(heard)
        self._said(heard, interrupted=True)
        self.bargein.reset()
        self._set_state(AgentState.LISTENING)
        return heard, dropped

    def _missed(self, reply: Reply | None, heard: str) -> Reply | None:
        """What of `reply` the caller missed by talking over it, from the sentence they cut into,
        when they went on with their own turn or cut in before its question; None otherwise (what
        they said may answer it), and for a reply said again already."""
        if reply is None or (self.said_again is not None and reply.text.endswith(self.said_again.text)):
            return None
        if heard.startswith(wording.ONE_MOMENT) and not reply.text.startswith(wording.ONE_MOMENT):
            heard = heard.removeprefix(wording.ONE_MOMENT)  # said before the reply, on the same playback
        rest, before_question = missed_from(reply.text, heard)
        going_on = (self.barge_onset - self.last_word) * 1000 <= GOING_ON_MS
        if not rest or not (going_on or before_question):
            return None
        return Reply(rest, reply.action, reply.notice if reply.notice and reply.notice in rest else "",
                     reply.declines_recording)

    def _said(self, text: str, interrupted: bool, latency: dict[str, float] | None = None) -> None:
        if text:
            self.emit(AgentSaidEvent(call_id=self.call_id, text=text, interrupted=interrupted, stages_ms=latency))

    async def _key(self, digit: str) -> None:
        try:
            reply = await self._decide(self.policy.dtmf, digit)
        finally:
            self.key = None
        if reply is not None:
            self.speaker.interrupt()
            self._start_reply(self._say(reply, None))
        if self.keys_waiting and self.policy.takes_digits():
            self.on_dtmf(self.keys_waiting.pop(0))
        elif self.keys_waiting:  # the digits were for a question that is over
            self.keys_ignored += len(self.keys_waiting)
            self.keys_waiting.clear()

    # --- actions and hand-over -----------------------------------------------------------
    def _act(self, action: Action) -> None:
        if action.kind == "hangup":
            self.outcome = "no_input" if action.reason == NO_INPUT else "completed"
            self.transport.hangup()
        elif action.kind == "transfer":
            transfer = self.config.transfer
            staff = transfer.after_hours_uri if action.after_hours else transfer.staff_uri
            if not staff:  # after silence, that is also the end of the call
                then = Action("hangup", NO_INPUT) if action.reason == NO_INPUT else None
                self._start_reply(self._say(Reply.say(
                    "I'm sorry, there is nobody I can put you through to right now. "
                    "Please call back during opening hours.", then), None))
                return
            self.handover.begin()
            self._announce_handover(staff, action.reason, action.summary)
            self._transfer(staff, action.reason, action.summary)

    def _transfer(self, target: str, reason: str, summary: str) -> None:
        if not self.handover.ringing():
            log.info("call %s is already being transferred: %s ignored", self.call_id, reason)
            return
        self._set_state(AgentState.TRANSFERRING)
        context = {"reason": reason, "caller": self.transport.caller.number}
        if summary:
            context["summary"] = summary
        self.transport.transfer(target, context, self.config.transfer.mode, self.config.transfer.ring_timeout_s)

    async def hand_over(self, target: str, reason: str) -> str:
        """The front desk takes the call (one click in the GUI): tell the caller, then transfer
        to `target` with the summary so far; return that summary."""
        self.handover.begin()
        self.answering = None  # whoever answered, staff have them now (and the agent, if that fails)
        log.info("the front desk takes call %s (%s)", self.call_id, reason)
        summary = await self._ask_summary(reason)
        self._announce_handover(target, reason, summary)  # staff see who and why at once
        await self._cancel(self.reply)
        self.speaker.interrupt()
        self.handing_over = self.loop.create_task(self._say(
            Reply.say("One moment please, I'm putting you through to the front desk."), None, handing_over=True))
        # the caller cannot talk over it, and a stuck engine does not hold the transfer up
        await asyncio.wait([self.handing_over], timeout=HANDOVER_ANNOUNCE_S)
        if not self.ended.is_set():
            self._transfer(target, reason, summary)
        return summary

    def _announce_handover(self, target: str, reason: str, summary: str) -> None:
        """Tell the front desk who is coming, why, and the summary (before the transfer starts)."""
        self.emit(HandoverEvent(call_id=self.call_id, reason=reason, summary=summary, target=target))

    async def _ask_summary(self, reason: str) -> str:
        try:
            return await self.hub.decide(self.lane, self.policy.handover, reason, timeout=self.voice.engine_timeout_s)
        except Exception:  # noqa: BLE001 - the transfer goes ahead without one
            log.exception("the handover summary failed on %s", self.call_id)
            return f"Handover: {reason}."

    async def _transfer_failed(self) -> None:
        reply = await self._decide(self.policy.transfer_failed)
        if reply is not None:
            await self._say(reply, None)

    def _fail_over(self, problem: str) -> None:
        """An engine failed or hung: hand the caller over in a task of its own, which neither
        the caller nor a new turn can cancel."""
        if self.ended.is_set() or not self.handover.fail_over(problem):
            return
        self.answering = None
        log.error("call %s: %s; the caller is handed over", self.call_id, problem)
        self.emit(AlertEvent(call_id=self.call_id, problem=f"{problem}: the caller was handed over"))
        self.handing_over = self.loop.create_task(self._after_failure(problem))

    async def _after_failure(self, problem: str) -> None:
        """Apologise with audio rendered at start-up, then transfer to staff, or leave them a
        callback request and end the call."""
        await self._cancel(self.reply)
        self.speaker.interrupt()
        staff = self.config.transfer.staff_uri or self.config.transfer.after_hours_uri
        if not staff:
            await self._call_back_later(problem)
            return
        caller = self.transport.caller.number or "unknown"
        summary = (f"Caller {caller}: the phone agent had a technical problem ({problem}).") + (
            f' Last said: "{self.last_caller_text}"' if self.last_caller_text else "")
        self._announce_handover(staff, problem, summary)
        await self._play_fallback("transfer")
        if not self.ended.is_set():
            self._transfer(staff, problem, summary)

    async def _call_back_later(self, problem: str) -> None:
        """Leave staff a callback request for this caller, tell the caller, hang up."""
        if self.recorder is not None:
            caller = self.transport.caller
            self.recorder.leave_callback(f"Please call back: the phone agent had a technical problem during "
                                         f"this call ({problem}).", caller.number, caller.name)
        self.outcome = "message"
        await self._play_fallback("callback")
        self.transport.hangup()

    async def _play_fallback(self, key: str) -> None:
        """Play one of the apologies rendered at start-up and wait until it has been sent."""
        pcm = self.hub.fallback_audio.get(key, b"")
        self._set_state(AgentState.SPEAKING)
        await self.speaker.play(pcm, timeout=len(pcm) / 32000 + 2)

    def _bind(self, record_id: int) -> None:
        """The call's record is open (on the store's worker): the dialogue links its writes to it."""
        try:
            self.lane.submit(self.policy.bind_call, record_id)
        except RuntimeError:  # the call was over before its record was opened
            log.info("call %s ended before its record was opened", self.call_id)

    def release(self) -> None:
        """The call is over: a reading ahead stops, the policy closes after any decision still
        running, then its worker ends."""
        self.reading_stale.set()
        if self.reading is not None:
            self.reading.cancel()
        self.ahead.shutdown(wait=False)
        try:
            self.lane.submit(self.policy.close)
        except RuntimeError:  # released already
            return
        self.lane.shutdown(wait=False)

    # --- helpers -------------------------------------------------------------------------
    async def _cancel(self, task: asyncio.Task | None) -> None:
        if task is None or task is asyncio.current_task() or task.done():
            return
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001
            pass

    async def _final_outcome(self) -> str:
        """transferred or no_input as decided on the call, else what the dialogue achieved
        (booked, rescheduled, cancelled, message), else completed / caller_hung_up, or
        abandoned when the caller hung up before saying anything."""
        if self.handover.state == HandoverState.WITH_STAFF:
            return "transferred"
        if self.outcome == "no_input":
            return self.outcome
        try:  # after any decision still running; a worker that does not answer is no reason to wait
            achieved = await asyncio.wait_for(asyncio.wrap_future(self.lane.submit(self.policy.outcome)),
                                              self.voice.engine_timeout_s)
        except Exception:  # noqa: BLE001 - the record is closed whatever the policy does
            log.exception("the policy's outcome failed on %s", self.call_id)
            achieved = None
        return achieved or self.outcome or ("caller_hung_up" if self.turn else "abandoned")

    def _set_state(self, state: AgentState) -> None:
        self.emit(AgentStateEvent(call_id=self.call_id, state=state))
