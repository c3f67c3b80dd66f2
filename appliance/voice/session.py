"""One call's conversation: listen, detect the end of the caller's turn, recognise, reply.

Runs on the service's asyncio loop. Audio frames arrive from the call's `CallLeg` through a
reader thread; STT, LLM and TTS work runs on the engines' own threads (`EngineHub`).
- Endpointing: VAD per 20 ms frame into the `Endpointer`; speech before the start is kept.
- Speculative recognition: after `speculative_stt_ms` of silence the utterance is decoded
  while the endpoint is still being confirmed, so the transcript is ready when it is; when
  that transcript ends a sentence (".", "?", "!"), the turn ends after `early_endpoint_ms`
  instead of the full `endpoint_silence_ms`.
- The reply is spoken sentence by sentence as the policy (or the LLM) writes it.
- Barge-in: caller speech over the agent (not its echo) drops the queued audio; the
  transcript keeps only what was heard.
- Engine failure: an engine call that raises or outlives `voice.engine_timeout_s` never leaves
  the caller in silence: an apology rendered at start-up plays, then the call goes to staff,
  or a callback request is left for them and the call ends.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

from appliance.audio import level_dbfs, write_stereo_wav
from appliance.config import Config
from appliance.crm.calls import CallLog
from appliance.crm.spool import Spool, leave_message
from appliance.models.endpointer import EndpointEvent, Endpointer, EndpointOptions
from appliance.models.protocols import FRAME_MS, SttResult
from appliance.sip.events import SipEvent, TransferEvent, TransferState
from appliance.sip.leg import CallLeg
from appliance.voice.bargein import BargeInDetector, BargeInOptions
from appliance.voice.events import (
    AgentSaidEvent, AgentState, AgentStateEvent, AlertEvent, BargeInEvent, HandoverEvent,
    TranscriptEvent, TurnLatencyEvent,
)
from appliance.voice.hub import EngineHub, EngineStuckError
from appliance.voice.playback import Playback
from appliance.voice.policy import Action, Policy, Reply
from appliance.voice.sentences import SentenceSplitter
from appliance.voice.timing import TurnTiming

log = logging.getLogger(__name__)
END = object()
PREROLL_MS = 300
HANDOVER_ANNOUNCE_S = 10.0  # longest wait for "putting you through" before transferring


class CallSession:
    """The conversation on one call."""

    def __init__(self, leg: CallLeg, hub: EngineHub, policy: Policy, config: Config,
                 call_log: CallLog | None, emit: Callable[[SipEvent], None], spool: Spool | None = None) -> None:
        self.leg = leg
        self.hub = hub
        self.policy = policy
        self.config = config
        self.voice = config.voice
        self.call_log = call_log
        self.spool = spool  # where a callback request waits when the store refuses it
        self.emit = emit
        self.vad = hub.vad.stream()
        self.endpointer = Endpointer(EndpointOptions(
            start_speech_ms=self.voice.min_speech_ms, start_window_ms=max(200, self.voice.min_speech_ms + 80),
            end_silence_ms=self.voice.endpoint_silence_ms, max_utterance_ms=int(self.voice.max_utterance_s * 1000)))
        self.bargein = BargeInDetector(BargeInOptions(
            min_speech_ms=self.voice.barge_in_ms, min_dbfs=self.voice.barge_in_min_dbfs,
            echo_margin_db=self.voice.echo_margin_db))
        self.preroll: deque[bytes] = deque(
            maxlen=(self.endpointer.options.lookback_ms + PREROLL_MS) // FRAME_MS)
        self.stt = None  # the utterance's recognition stream while the caller speaks
        self.speculative: Future | None = None
        self.trailing_ms = 0
        self.last_speech_at = 0.0
        self.playback = Playback()
        self.speaking: asyncio.Task | None = None
        self.current_reply: Reply | None = None
        self.idle_since = time.monotonic()
        self.reprompts = 0
        self.barge_onset = 0.0
        self.turn = 0
        self.outcome = ""
        self.handing_over = False  # the front desk is taking the call: the agent says no more
        self.failed_over = ""  # what failed (an engine): the caller is being handed over or called back
        self.last_caller_text = ""
        self.dtmf_busy = False
        self.keys_ignored = 0
        self.transferring = False  # a transfer rings: no second one, no keys
        self.record_id: int | None = None
        self.finished = asyncio.Event()

    # --- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """Greet, then converse until the call ends."""
        loop = asyncio.get_running_loop()
        frames: asyncio.Queue = asyncio.Queue()
        threading.Thread(target=self._read_frames, args=(loop, frames), daemon=True,
                         name=f"audio-{self.leg.call_id}").start()
        if self.call_log is not None:
            self.record_id = self._record("the call", self.call_log.start, self.leg.caller.number,
                                          self.leg.caller.name, self.leg.direction)
            if self.record_id is not None:
                self.policy.bind_call(self.record_id)
        self._speak(await self._ask(self.policy.greeting, self.leg.caller.number), None)
        try:
            while (timed := await frames.get()) is not END:
                await self._on_frame(*timed)
        finally:
            await self._stop_speaking()
            self._set_state(AgentState.ENDED)
            if self.keys_ignored:
                log.info("%d key(s) ignored on %s", self.keys_ignored, self.leg.call_id)
            if self.call_log is not None and self.record_id is not None:
                self._record("the end of the call", self.call_log.end, self.record_id, self._final_outcome(),
                             f"SIP {self.leg.end_code}" if self.leg.end_code else "")
                if self.config.crm.record_calls:
                    await self._save_recording()
            self.finished.set()

    async def _save_recording(self) -> None:
        """Write the call's audio (caller left, agent right) next to the store."""
        for _ in range(100):  # the SIP thread hands the recording over as it lets the call go
            if self.leg.recording is not None:
                break
            await asyncio.sleep(0.02)
        else:
            log.warning("no recording arrived for %s", self.leg.call_id)
            return
        heard, sent = self.leg.recording
        path = self.config.paths.data / "recordings" / f"call-{self.record_id}.wav"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(write_stereo_wav, path, b"".join(heard), b"".join(sent))
            self._record("the recording", self.call_log.set_recording, self.record_id, str(path))
        except OSError:
            log.exception("could not save the recording of %s", self.leg.call_id)

    def _read_frames(self, loop: asyncio.AbstractEventLoop, frames: asyncio.Queue) -> None:
        while True:
            timed = self.leg.read_timed(0.2)
            if timed is not None:
                loop.call_soon_threadsafe(frames.put_nowait, timed)
            elif self.leg.ended.is_set():
                loop.call_soon_threadsafe(frames.put_nowait, END)
                return

    async def _on_frame(self, arrived: float, frame: bytes) -> None:
        is_speech = self.vad.feed(frame) >= self.hub.vad.threshold
        level = level_dbfs(frame)
        playing = self._agent_playing()
        agent_level = self.playback.level_near(self.leg.pending_frames) if playing else None
        speechy = self.bargein.counts(is_speech, level, agent_level) if playing else is_speech
        if playing:
            triggered = self.bargein.feed(is_speech, level, agent_level)
            if self.bargein.onset_frames_ago == 1:
                self.barge_onset = arrived
            if triggered:
                await self._barge_in()
        self.preroll.append(frame)
        event = self.endpointer.feed(speechy)
        if event == EndpointEvent.SPEECH_START:
            self._start_utterance()
        elif self.stt is not None:
            self._continue_utterance(frame, speechy)
        if event == EndpointEvent.SPEECH_END or self._sentence_complete():
            self.endpointer.reset()
            await self._end_utterance()
        elif self.stt is None and not playing and self.speaking is None:
            await self._maybe_reprompt()

    # --- caller speech -------------------------------------------------------------------
    def _start_utterance(self) -> None:
        # the VAD notices speech a little after it starts: keep PREROLL_MS more before it
        back = (self.endpointer.speech_start_offset_ms + PREROLL_MS) // FRAME_MS
        self.trailing_ms = 0
        self.last_speech_at = time.monotonic()
        self.speculative = None
        self.stt = self.hub.stt.stream()
        self._feed_stt(b"".join(list(self.preroll)[-back:]))

    def _continue_utterance(self, frame: bytes, speechy: bool) -> None:
        # every frame goes to recognition, pauses and unvoiced sounds included: cutting them
        # out splices the words together ("the clinic" heard as "when it")
        self._feed_stt(frame)
        if speechy:
            self.last_speech_at = time.monotonic()
            self.trailing_ms = 0
            self.speculative = None  # the caller went on: that early decode is stale
            return
        self.trailing_ms += FRAME_MS
        if self.speculative is None and self.trailing_ms >= self.voice.speculative_stt_ms:
            self.speculative = self.hub.submit("stt", self.stt.finish)

    def _sentence_complete(self) -> bool:
        """The caller paused after what recognition already reads as a finished sentence."""
        spec = self.speculative
        if (self.stt is None or spec is None or not spec.done() or spec.exception() is not None
                or self.trailing_ms < self.voice.early_endpoint_ms):
            return False
        return spec.result().text.rstrip().endswith((".", "?", "!"))

    def _feed_stt(self, pcm: bytes) -> None:
        stream, loop = self.stt, asyncio.get_running_loop()
        future = self.hub.submit("stt", stream.feed, pcm)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._partials, f))

    def _partials(self, future: Future) -> None:
        if future.exception() is None:
            for result in future.result():
                self.emit(TranscriptEvent(call_id=self.leg.call_id, text=result.text,
                                          confidence=result.confidence, final=False))

    async def _end_utterance(self) -> None:
        timing = TurnTiming(speech_end=self.last_speech_at)
        timing.stamp("endpoint")
        spec, stream = self.speculative, self.stt
        self.speculative, self.stt = None, None
        timeout = self.voice.engine_timeout_s
        try:
            result: SttResult = await (self.hub.wait("stt", spec, timeout) if spec
                                       else self.hub.run("stt", stream.finish, timeout=timeout))
        except EngineStuckError as exc:
            await self._fail_over(str(exc))
            return
        except Exception:  # noqa: BLE001 - a failed decode is "not understood", never silence
            log.exception("speech recognition failed on %s", self.leg.call_id)
            result = SttResult("", 0.0, True, 0.0)
        timing.stamp("stt_final")
        self.turn += 1
        self.emit(TranscriptEvent(call_id=self.leg.call_id, text=result.text,
                                  confidence=result.confidence, final=True))
        if self.call_log is not None and self.record_id is not None and result.text:
            self._record("a caller turn", lambda: self.call_log.add_turn(
                self.record_id, "caller", result.text, confidence=result.confidence))
        self.last_caller_text = result.text or self.last_caller_text
        self.reprompts = 0
        self._set_state(AgentState.THINKING)
        self._speak(await self._ask(self.policy.respond, result.text, result.confidence), timing)

    async def _ask(self, decide, *args) -> Reply | None:  # noqa: ANN001
        """Run a policy decision on the LLM worker (it may classify with the LLM or use the
        store); when it fails or hangs, the caller is handed over instead (None is returned)."""
        try:
            return await self.hub.run("llm", decide, *args, timeout=self.voice.engine_timeout_s)
        except Exception as exc:  # noqa: BLE001
            log.exception("the policy failed on %s", self.leg.call_id)
            await self._fail_over(f"the agent had an internal error: {exc}")
            return None

    async def _maybe_reprompt(self) -> None:
        if time.monotonic() - self.idle_since < self.voice.reprompt_after_s:
            return
        self.reprompts += 1
        final = self.reprompts > self.voice.max_reprompts
        self._speak(self.policy.silence(self.reprompts, final), None)

    # --- agent speech --------------------------------------------------------------------
    def _agent_playing(self) -> bool:
        return self.speaking is not None or self.leg.pending_frames > 0

    def _speak(self, reply: Reply | None, timing: TurnTiming | None, handover: bool = False) -> None:
        if reply is None or (self.handing_over and not handover):
            return
        if self.speaking is not None:
            self.speaking.cancel()
        self.current_reply = reply
        self.playback = Playback()  # a barge-in before the reply starts must not cut the last one
        self.bargein.reset()
        self.speaking = asyncio.get_running_loop().create_task(self._say(reply, timing))

    async def _say(self, reply: Reply, timing: TurnTiming | None) -> None:
        splitter = SentenceSplitter()
        mark = f"turn{self.turn}-{time.monotonic_ns()}"
        try:
            async for piece in self._pieces(reply):
                if timing is not None and reply.uses_llm:
                    timing.stamp("llm_first_token")
                for sentence in splitter.push(piece):
                    await self._say_sentence(sentence, timing, mark)
            rest = splitter.flush()
            if rest:
                await self._say_sentence(rest, timing, mark)
            while self.leg.pending_frames > 0 and not self.leg.ended.is_set():
                await asyncio.sleep(FRAME_MS / 1000)
        except asyncio.CancelledError:
            if reply.close:
                reply.close()
            raise
        except Exception as exc:  # noqa: BLE001 - an engine failed mid-reply
            log.exception("reply failed on %s", self.leg.call_id)
            self._said(self.playback.full_text(), interrupted=True)
            self.speaking = None
            asyncio.get_running_loop().create_task(self._fail_over(f"the reply failed: {exc}"))
            return
        latency = None
        if timing is not None:
            sent = self.leg.sent_at(mark)
            if sent is not None:
                timing.stamp("first_frame_out", sent)
            latency = timing.breakdown_ms()
            self.emit(TurnLatencyEvent(call_id=self.leg.call_id, turn=self.turn, stages_ms=latency))
        self._said(self.playback.full_text(), interrupted=False, latency=latency)
        self.speaking = None
        self.idle_since = time.monotonic()
        self._set_state(AgentState.LISTENING)
        if reply.action is not None:
            self._act(reply.action)

    async def _pieces(self, reply: Reply):
        if not reply.uses_llm:
            for piece in reply.pieces:
                yield piece
            return
        queue: asyncio.Queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def produce() -> None:
            try:
                for piece in reply.pieces:
                    loop.call_soon_threadsafe(queue.put_nowait, piece)
            except Exception as exc:  # noqa: BLE001 - handed to the consumer
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            loop.call_soon_threadsafe(queue.put_nowait, END)
        self.hub.submit("llm", produce)
        while (item := await asyncio.wait_for(queue.get(), self.voice.engine_timeout_s)) is not END:
            if isinstance(item, Exception):
                raise item
            yield item

    async def _say_sentence(self, sentence: str, timing: TurnTiming | None, mark: str) -> None:
        if timing is not None:
            timing.stamp("first_sentence")
        pcm = await self.hub.run("tts", lambda: b"".join(self.hub.tts.synthesize(sentence, 16000)),
                                 timeout=self.voice.engine_timeout_s)
        if timing is not None:
            timing.stamp("tts_first_audio")
        if self.leg.ended.is_set():
            return
        self._set_state(AgentState.SPEAKING)
        self.playback.add(sentence, pcm)
        self.leg.write(pcm, mark if len(self.playback.sentences) == 1 else None)

    async def _barge_in(self) -> None:
        dropped = self.leg.clear()
        heard = self.playback.heard_text(dropped)
        task, self.speaking = self.speaking, None
        if task is not None:
            task.cancel()
        self.emit(BargeInEvent(call_id=self.leg.call_id, frames_dropped=dropped,
                               stopped_after_ms=round((time.monotonic() - self.barge_onset) * 1000, 1)))
        self._said(heard, interrupted=True)
        self.playback = Playback()
        self.bargein.reset()
        self._set_state(AgentState.LISTENING)

    async def _stop_speaking(self) -> None:
        task, self.speaking = self.speaking, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    def _said(self, text: str, interrupted: bool, latency: dict[str, float] | None = None) -> None:
        if not text:
            return
        self.emit(AgentSaidEvent(call_id=self.leg.call_id, text=text, interrupted=interrupted))
        if self.call_log is not None and self.record_id is not None:
            self._record("an agent turn", lambda: self.call_log.add_turn(
                self.record_id, "agent", text, interrupted=interrupted, latency=latency))

    def _record(self, what: str, write: Callable, *args):  # noqa: ANN202
        """Write to the call log; a store that refuses (locked, full) is logged and the call goes on."""
        try:
            return write(*args)
        except sqlite3.Error as exc:
            log.error("call %s: the call log could not record %s: %s", self.leg.call_id, what, exc)
            return None

    def _final_outcome(self) -> str:
        """transferred or no_input as decided on the call, else what the dialogue achieved
        (booked, rescheduled, cancelled, message), else completed / caller_hung_up, or
        abandoned when the caller hung up before saying anything."""
        if self.outcome in ("transferred", "no_input"):
            return self.outcome
        try:
            achieved = self.policy.outcome()
        except Exception:  # noqa: BLE001 - the record is closed whatever the policy does
            log.exception("the policy's outcome failed on %s", self.leg.call_id)
            achieved = None
        return achieved or self.outcome or ("caller_hung_up" if self.turn else "abandoned")

    # --- actions and outside events -----------------------------------------------------
    def _act(self, action: Action) -> None:
        if action.kind == "hangup":
            self.outcome = "no_input" if action.reason == "no input" else "completed"
            self.leg.hangup()
        elif action.kind == "transfer":
            transfer = self.config.transfer
            staff = transfer.after_hours_uri if action.after_hours else transfer.staff_uri
            if not staff:
                self._speak(Reply.say("I'm sorry, there is nobody I can put you through to right now. "
                                      "Please call back during opening hours."), None)
                return
            self._announce_handover(staff, action.reason, action.summary)
            self._transfer(staff, action.reason, action.summary)

    def _transfer(self, target: str, reason: str, summary: str) -> None:
        if self.transferring:
            log.info("call %s is already being transferred: %s ignored", self.leg.call_id, reason)
            return
        self.transferring = True
        self._set_state(AgentState.TRANSFERRING)
        context = {"reason": reason, "caller": self.leg.caller.number}
        if summary:
            context["summary"] = summary
        self.leg.transfer(target, context, mode=self.config.transfer.mode,
                          ring_timeout_s=self.config.transfer.ring_timeout_s)

    async def hand_over(self, target: str, reason: str) -> str:
        """The front desk takes the call (one click in the GUI): tell the caller, then transfer
        to `target` with the summary so far; return that summary."""
        self.handing_over = True
        log.info("the front desk takes call %s (%s)", self.leg.call_id, reason)
        summary = await self._ask_summary(reason)
        self._announce_handover(target, reason, summary)  # staff see who and why at once
        await self._stop_speaking()
        self.leg.clear()
        reply = Reply.say("One moment please, I'm putting you through to the front desk.")
        self._speak(reply, None, handover=True)
        # a caller talking over it does not stop the handover, nor does a stuck engine
        await asyncio.wait([self.speaking], timeout=HANDOVER_ANNOUNCE_S)
        if not self.leg.ended.is_set():
            self._transfer(target, reason, summary)
        return summary

    def _announce_handover(self, target: str, reason: str, summary: str) -> None:
        """Tell the front desk who is coming, why, and the summary (before the transfer starts)."""
        self.emit(HandoverEvent(call_id=self.leg.call_id, reason=reason, summary=summary, target=target))

    async def _ask_summary(self, reason: str) -> str:
        try:
            return await self.hub.run("llm", self.policy.handover, reason, timeout=self.voice.engine_timeout_s)
        except Exception:  # noqa: BLE001 - the transfer goes ahead without one
            log.exception("the handover summary failed on %s", self.leg.call_id)
            return f"Handover: {reason}."

    def on_dtmf(self, digit: str) -> None:
        """A key press from the caller (on the loop). Keys pressed while one is being handled,
        or once the call is being handed over, are dropped: a flood of keys is one key."""
        reply = self.current_reply if self.speaking is not None else None
        transferring = self.handing_over or self.transferring or (
            reply is not None and reply.action is not None and reply.action.kind == "transfer")
        if self.dtmf_busy or transferring:
            if not self.keys_ignored:  # one line per call, the count when it ends
                log.info("keys on %s ignored while %s", self.leg.call_id,
                         "handing over" if transferring else "another key is being handled")
            self.keys_ignored += 1
            return
        self.dtmf_busy = True
        asyncio.get_running_loop().create_task(self._dtmf(digit))

    async def _dtmf(self, digit: str) -> None:
        try:
            reply = await self._ask(self.policy.dtmf, digit)
        finally:
            self.dtmf_busy = False
        if reply is not None:
            self.leg.clear()
            self._speak(reply, None)

    def on_transfer(self, event: TransferEvent) -> None:
        """Transfer progress (on the loop): success ends our part, failure returns the caller."""
        if event.state == TransferState.SUCCEEDED:
            self.outcome = "transferred"
        elif event.state in (TransferState.BUSY, TransferState.NO_ANSWER, TransferState.FAILED):
            self.transferring = False
            asyncio.get_running_loop().create_task(self._transfer_failed())

    async def _transfer_failed(self) -> None:
        if self.failed_over:
            await self._call_back_later(self.failed_over)
            return
        self.handing_over = False
        self._speak(await self._ask(self.policy.transfer_failed), None)

    # --- engine failure ------------------------------------------------------------------
    async def _fail_over(self, problem: str) -> None:
        """An engine failed or hung: apologise with audio rendered at start-up, then transfer
        to staff, or leave them a callback request and end the call."""
        if self.failed_over or self.leg.ended.is_set():
            return
        self.failed_over, self.handing_over = problem, True
        log.error("call %s: %s; the caller is handed over", self.leg.call_id, problem)
        self.emit(AlertEvent(call_id=self.leg.call_id, problem=f"{problem}: the caller was handed over"))
        current = asyncio.current_task()
        if self.speaking is not current:
            await self._stop_speaking()
        self.leg.clear()
        staff = self.config.transfer.staff_uri or self.config.transfer.after_hours_uri
        if not staff:
            await self._call_back_later(problem)
            return
        summary = (f"Caller {self.leg.caller.number or 'unknown'}: the phone agent had a technical problem "
                   f"({problem}).") + (f' Last said: "{self.last_caller_text}"' if self.last_caller_text else "")
        self._announce_handover(staff, problem, summary)
        await self._play_fallback("transfer")
        if not self.leg.ended.is_set():
            self._transfer(staff, problem, summary)

    async def _call_back_later(self, problem: str) -> None:
        """Leave staff a callback request for this caller, tell the caller, hang up."""
        if self.call_log is not None:
            try:
                leave_message(self.call_log.db, self.spool, f"Please call back: the phone agent had a technical "
                              f"problem during this call ({problem}).", self.leg.caller.number,
                              self.leg.caller.name, None, True, self.record_id)
            except Exception:  # noqa: BLE001 - the caller still hears what happens
                log.exception("could not leave the callback request for %s", self.leg.call_id)
        self.outcome = "message"
        await self._play_fallback("callback")
        self.leg.hangup()

    async def _play_fallback(self, key: str) -> None:
        """Play one of the apologies rendered at start-up and wait until it has been sent."""
        pcm = self.hub.fallback_audio.get(key, b"")
        self._set_state(AgentState.SPEAKING)
        frames = self.leg.write(pcm)
        deadline = time.monotonic() + frames * FRAME_MS / 1000 + 2
        while self.leg.pending_frames > 0 and not self.leg.ended.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(FRAME_MS / 1000)

    def _set_state(self, state: AgentState) -> None:
        self.emit(AgentStateEvent(call_id=self.leg.call_id, state=state))
