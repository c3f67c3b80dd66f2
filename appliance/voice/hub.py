"""The engines of the service: loaded once, warmed, each with its own single worker thread.

Engines are not thread-safe and a 2-core box gains nothing from running two decodes of one
engine at once, so every STT, TTS and end-of-turn call goes through that engine's executor.
Each call's dialogue decides on a worker of its own (`lane`), reading with the language model
one call at a time (`SharedLlm`): a decision of the rules never waits for another call's reading.

An engine call that outlives its timeout marks the engine stuck: its one worker is busy for
good, so later calls fail at once (`EngineStuckError`) instead of queueing behind it, until
the hung call returns. So does a decision on a call's lane for that call; a reading that holds
the language model past the timeout marks the model stuck, and the other calls go on with
their rules. The apologies a call needs when an engine fails are synthesized at
warm-up (`fallback_audio`), so they can be played even when the voice itself is what failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from appliance.audio import trimmed
from appliance.config import Config
from appliance.errors import EngineError, ModelError
from appliance.models.engines import load_engine, model_store
from appliance.models.manifest import Role
from appliance.models.protocols import (
    ChatMessage,
    LlmEngine,
    SttEngine,
    TtsEngine,
    TurnModel,
    VadEngine,
)
from appliance.voice.phrases import PhraseCache
from appliance.voice.shared_llm import SharedLlm

log = logging.getLogger(__name__)
T = TypeVar("T")
ROLES = ("stt", "tts", "turn")
FALLBACK_PHRASES = {
    "transfer": "I'm sorry, I'm having a technical problem. Let me put you through to the front desk.",
    "callback": "I'm sorry, I'm having a technical problem. I've noted your number and someone will "
                "call you back soon. Goodbye.",
}


class EngineStuckError(EngineError):
    """An engine did not answer in time; its worker is still busy with the hung call."""

    code = "engine.stuck"


class EngineHub:
    """STT, VAD, LLM, TTS and the end-of-turn model for every call of the service, each role with
    its own worker. Without an end-of-turn model (`turn` None), silence and the transcript end turns."""

    def __init__(self, vad: VadEngine, stt: SttEngine, tts: TtsEngine, llm: LlmEngine | None,
                 workers: dict[str, Executor] | None = None, turn: TurnModel | None = None,
                 lanes: Callable[[], Executor] | None = None, llm_timeout_s: float = 10.0) -> None:
        self.vad, self.stt, self.tts, self.llm, self.turn = vad, stt, tts, llm, turn
        self._pools = workers or {role: ThreadPoolExecutor(1, thread_name_prefix=f"engine-{role}")
                                  for role in ROLES}
        self._lanes = lanes or (lambda: ThreadPoolExecutor(1, thread_name_prefix="dialogue"))
        self._stuck: dict[str, float] = {}  # role -> since when (monotonic) it has not answered
        self._hung: set[Executor] = set()  # lanes busy with a decision that outlived its timeout
        self.reading = SharedLlm(llm, llm_timeout_s) if llm is not None else None
        self.fallback_audio: dict[str, bytes] = {}  # key of FALLBACK_PHRASES -> 16 kHz PCM
        self.phrases = PhraseCache()  # sentences spoken before, ready to play
        self.load_s = 0.0

    @property
    def stuck(self) -> dict[str, float]:
        """Each engine that has not answered in time -> since when (monotonic)."""
        since = self.reading.stuck_since() if self.reading is not None else None
        return self._stuck | ({"llm": since} if since is not None else {})

    @classmethod
    def load(cls, config: Config) -> EngineHub:
        """Load the configured engines from the model store."""
        store = model_store(config)
        started = time.monotonic()
        hub = cls(load_engine(Role.VAD, config, store), load_engine(Role.STT, config, store),
                  load_engine(Role.TTS, config, store), load_engine(Role.LLM, config, store),
                  turn=_turn_model(config, store), llm_timeout_s=config.voice.engine_timeout_s)
        hub.load_s = time.monotonic() - started
        return hub

    async def run(self, role: str, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run `fn(*args)` on the worker thread of `role`; with `timeout`, give up after that many
        seconds and mark the engine stuck (`EngineStuckError`)."""
        if role in self.stuck:
            raise EngineStuckError(f"the {role} engine is still busy with a call that hung")
        return await self.wait(role, self._pools[role].submit(fn, *args), timeout)

    async def wait(self, role: str, future: Future[T], timeout: float | None) -> T:
        """Await work already queued on `role` (see `run`)."""
        def stuck() -> None:
            self._stuck.setdefault(role, time.monotonic())
            future.add_done_callback(lambda _: self._unstuck(role))
            log.critical("the %s engine did not answer within %.1f s; calls fall back until it does", role, timeout)
        return await _bounded(future, timeout, stuck, f"the {role} engine did not answer")

    def _unstuck(self, role: str) -> None:
        self._stuck.pop(role, None)
        log.warning("the %s engine answered again", role)

    def submit(self, role: str, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn(*args)` on the worker of `role` without waiting (returns a Future)."""
        return self._pools[role].submit(fn, *args)

    def call_began(self) -> None:
        """One more call in progress (the model reads on fewer threads beside another's engines)."""
        if self.reading is not None:
            self.reading.calls += 1

    def call_ended(self) -> None:
        """One call fewer in progress."""
        if self.reading is not None:
            self.reading.calls -= 1

    def lane(self) -> Executor:
        """A worker for one call's dialogue: its decisions, in order, beside other calls'."""
        return self._lanes()

    async def decide(self, lane: Executor, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run `fn(*args)` on a call's `lane`; one that outlives `timeout` leaves the lane hung
        until it returns: later decisions on it fail at once (`EngineStuckError`)."""
        if lane in self._hung:
            raise EngineStuckError("the call's dialogue is still busy with a decision that hung")
        future = lane.submit(fn, *args)
        def hung() -> None:
            self._hung.add(lane)
            future.add_done_callback(lambda _: self._hung.discard(lane))
        return await _bounded(future, timeout, hung, "the call's dialogue did not decide")

    async def speech(self, sentence: str, timeout: float) -> bytes:
        """`sentence` as 16 kHz audio: from the phrase cache, or synthesized now (the voice's
        silence before the first word cut: up to 60 ms the caller would wait for) and kept."""
        pcm = self.phrases.get(sentence)
        if pcm is None:
            pcm = await self.run("tts", lambda: trimmed(b"".join(self.tts.synthesize(sentence, 16000)), tail=False),
                                 timeout=timeout)
            self.phrases.put(sentence, pcm)
        return pcm

    async def speak_ahead(self, sentences: Iterable[str], timeout: float) -> None:
        """Fill the phrase cache with `sentences`, one at a time, so a call's own speech never
        waits behind more than one of them."""
        for sentence in sentences:
            await self.speech(sentence, timeout)

    def warm(self, system_prompt: str | None = None) -> float:
        """Exercise every engine once so the first call pays no start-up cost; return seconds."""
        started = time.monotonic()
        stream = self.stt.stream()
        stream.feed(b"\0" * 16000)
        stream.finish()
        # sentences of several lengths: ONNX Runtime sizes its buffers on the first runs
        for _ in self.tts.synthesize("Hello. Thank you for calling, how can I help you today? We are open "
                                     "Monday to Friday from 8 in the morning to 6 in the evening."):
            pass
        self.fallback_audio = {key: b"".join(self.tts.synthesize(text, 16000))
                               for key, text in FALLBACK_PHRASES.items()}
        if self.turn is not None:
            self.turn.finished(b"\0" * 32000)
        if system_prompt:
            reply = self.llm.chat([ChatMessage("system", system_prompt), ChatMessage("user", "Hello")],
                                  max_tokens=1)
            for _ in reply:
                pass
        return time.monotonic() - started

    def close(self) -> None:
        """Stop the workers and free the models."""
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        for engine in (self.stt, self.tts, self.llm):
            if engine is not None:
                engine.close()


async def _bounded(future: Future[T], timeout: float | None, hung: Callable[[], None], late: str) -> T:
    """`future`'s result; past `timeout`, `hung()` if it is still running, then `EngineStuckError`
    ("`late` within `timeout` s")."""
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except TimeoutError:
        if not future.done():
            hung()
        raise EngineStuckError(f"{late} within {timeout:.1f} s") from None


def _turn_model(config: Config, store) -> TurnModel | None:  # noqa: ANN001 - ModelStore
    """The end-of-turn model, unless switched off; one that cannot be loaded leaves silence and the
    transcript to end turns (calls go on, a little slower to answer)."""
    if not config.voice.turn_model:
        return None
    try:
        return load_engine(Role.TURN, config, store)
    except (EngineError, ModelError) as exc:
        log.error("the end-of-turn model could not be loaded (%s): turns end on silence and the "
                  "transcript alone", exc)
        return None
