"""A fast harness for the call loop: a fake line and fake engines on a virtual clock.

The event loop's clock only moves when nothing is ready to run (it jumps to the next timer),
so a 20 s call takes milliseconds and every time the session reads is exact. The line plays
the caller's audio in 20 ms frames, takes the agent's audio at the same pace (reporting
marks and the end of playout as a SIP leg does), can echo the agent back quietly, and can record
both ways from its first frame, as a SIP leg recording calls does.
"""

from __future__ import annotations

import asyncio
import selectors
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from appliance.audio import frames, level_dbfs
from appliance.config import ClinicConfig, Config, TransferConfig, VoiceConfig
from appliance.dialogue.faq import FaqPolicy
from appliance.models.protocols import FRAME_BYTES, Expected, Spelling, SttResult
from appliance.voice.answering import AnsweringDetector
from appliance.voice.events import Event, TransferEvent, TransferState
from appliance.voice.hub import EngineHub
from appliance.voice.recorder import CallRecorder
from appliance.voice.session import CallSession

SILENT = b"\0" * FRAME_BYTES


class VirtualSelector(selectors.DefaultSelector):
    """Polls without waiting; a wait for a timer moves the clock forward instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None):  # noqa: ANN201
        ready = super().select(0)
        if ready or not timeout:
            return ready
        if timeout is None:
            raise RuntimeError("the call loop waits for nothing that will ever happen")
        self.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """An event loop whose `time()` is virtual."""

    def __init__(self) -> None:
        self._virtual = VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now


class Worker(Executor):
    """An engine worker on the virtual clock: work runs at once and its result is ready
    `delay_s` later; a hung worker never answers."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.delay_s = 0.0
        self.hung = False

    def submit(self, fn, *args, **kwargs) -> Future:  # noqa: ANN001
        future: Future = Future()
        future.set_running_or_notify_cancel()  # running, as on a real worker: it cannot be cancelled
        if self.hung:
            return future
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits
            self._later(future.set_exception, exc)
        else:
            self._later(future.set_result, result)
        return future

    def _later(self, settle: Callable, value: object) -> None:
        """Settle the future `delay_s` from now (work may be queued from another thread)."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.call_later, self.delay_s, settle, value)


def tone(ms: int, dbfs: float = -20.0, hz: float = 300.0) -> bytes:
    """A tone of `ms` milliseconds at `dbfs`: speech to the fake VAD."""
    t = np.arange(int(16 * ms)) / 16000
    amplitude = 32767 * 10 ** (dbfs / 20) * np.sqrt(2)
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


class FakeVad:
    """Speech is anything louder than -35 dBFS."""

    threshold = 0.5

    def stream(self) -> SimpleNamespace:
        return SimpleNamespace(feed=lambda frame: 1.0 if level_dbfs(frame) > -35 else 0.0)


class FakeStt:
    """Recognises the caller's lines in order: turn n reads as `lines[n]`; a tuple there is what
    each decode of that turn reads in turn (the pauses' early decodes, then the last); turns in
    `alternatives` read as the likeliest reading that holds what was expected, the likeliest
    reading being the one given there."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.streams = 0
        self.fail = False
        self.asked: list[tuple[str, Spelling | None]] = []  # each turn's hint and what it spells
        self.expected: list[Expected | None] = []  # ...and the kind of answer it was to hold
        self.alternatives: dict[int, str] = {}

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> SimpleNamespace:
        self.asked.append((hint, letters))
        self.expected.append(expected)
        index = self.streams
        self.streams += 1

        decodes = 0

        def finish() -> SttResult:
            nonlocal decodes
            if self.fail:
                raise RuntimeError("recognition broke")
            text = self.lines[index] if index < len(self.lines) else ""
            if isinstance(text, tuple):
                text = text[min(decodes, len(text) - 1)]
            decodes += 1
            return SttResult(text, 0.9, True, 1.0, likeliest=self.alternatives.get(index, ""))
        return SimpleNamespace(feed=lambda pcm: [], finish=finish)


class FakeTurn:
    """An end-of-turn model that hears each pause as the next of `scores` (the last repeated)."""

    name = "fake-turn"

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores
        self.heard: list[int] = []  # bytes of audio given at each pause

    def finished(self, pcm: bytes) -> float:
        self.heard.append(len(pcm))
        return self.scores[min(len(self.heard) - 1, len(self.scores) - 1)]


class FakeTts:
    """Every word is 100 ms of tone, loud (-6 dBFS) as a voice on a phone line is."""

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def synthesize(self, text: str, rate: int = 16000, steady: bool = False):  # noqa: ANN201
        self.spoken.append(text)
        yield tone(100 * len(text.split()), dbfs=-6.0, hz=500)


@dataclass
class FakeLine:
    """One call's transport: the caller's audio in, the agent's out, 20 ms at a time."""

    loop: asyncio.AbstractEventLoop
    call_id: str = "t1"
    direction: str = "inbound"
    caller: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(number="+15550001111", name=""))
    echo_db: float | None = None  # the agent heard back this much quieter, as line echo
    incoming: deque = field(default_factory=deque)  # caller frames still to send
    outgoing: deque = field(default_factory=deque)  # (frame, mark) still to play
    played: list[tuple[float, bytes]] = field(default_factory=list)  # what the caller heard, when
    transfers: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    hung_up: bool = False
    end_reason: str = ""
    record: bool = False  # keep both ways, frame by frame, as a SIP leg recording calls does
    recorded: tuple[list[bytes], list[bytes]] = field(default_factory=lambda: ([], []))  # (caller, agent)

    def open(self, loop: asyncio.AbstractEventLoop, listener) -> None:  # noqa: ANN001
        self.listener = listener
        self.loop.call_soon(self._tick)

    def _tick(self) -> None:
        if self.hung_up:
            return
        now = self.loop.time()
        heard = SILENT
        if self.outgoing:
            heard, mark = self.outgoing.popleft()
            self.played.append((now, heard))
            if mark is not None:
                self.listener.on_played(mark, now)
            if not self.outgoing:
                self.listener.on_drained()
        frame = self.incoming.popleft() if self.incoming else SILENT
        if self.echo_db is not None and heard is not SILENT:
            echo = np.frombuffer(heard, "<i2") * 10 ** (-self.echo_db / 20)
            frame = (np.frombuffer(frame, "<i2") + echo).astype("<i2").tobytes()
        if self.record:
            self.recorded[0].append(frame)
            self.recorded[1].append(heard)
        self.listener.on_frame(now, frame)
        self.loop.call_later(0.02, self._tick)

    def say(self, pcm: bytes) -> None:
        """The caller speaks (queued after what they are already saying)."""
        self.incoming.extend(frames(pcm))

    def write(self, pcm: bytes, mark: str | None = None) -> int:
        if self.hung_up:
            return 0
        queued = [(f, mark if n == 0 else None) for n, f in enumerate(frames(pcm))]
        self.outgoing.extend(queued)
        return len(queued)

    def clear(self) -> int:
        dropped = len(self.outgoing)
        self.outgoing.clear()
        return dropped

    @property
    def pending_frames(self) -> int:
        return len(self.outgoing)

    def hangup(self) -> None:
        self.end("local")

    def end(self, reason: str = "remote") -> None:
        """The call is over (the caller hung up, or the agent did)."""
        if not self.hung_up:
            self.hung_up, self.end_reason = True, reason
            self.loop.call_soon(self.listener.on_ended)

    def transfer(self, target: str, context: dict[str, str], mode: str, ring_timeout_s: float) -> None:
        self.transfers.append((target, context, mode))

    def report_transfer(self, state: TransferState) -> None:
        """The far end reports transfer progress."""
        event = TransferEvent(call_id=self.call_id, state=state, mode="blind", target=self.transfers[-1][0])
        self.loop.call_soon(self.listener.on_transfer, event)

    def recording(self) -> tuple[bytes, bytes] | None:
        return (b"".join(self.recorded[0]), b"".join(self.recorded[1])) if self.record else None

    def heard_between(self, start: float, end: float) -> bool:
        """Whether the caller heard the agent between two moments."""
        return any(start <= at < end and level_dbfs(pcm) > -40 for at, pcm in self.played)


class Call:
    """One call through the real `CallSession`, on a virtual clock, with fake engines."""

    def __init__(self, policy=None, recorder: Callable[[EngineHub], CallRecorder] | None = None,  # noqa: ANN001
                 staff_uri: str = "sip:staff@clinic", turn: FakeTurn | None = None,
                 answering: AnsweringDetector | None = None, **voice) -> None:
        self.loop = VirtualLoop()
        self.workers = {role: Worker(self.loop) for role in ("stt", "dialogue", "tts", "turn")}
        self.stt, self.tts = FakeStt(), FakeTts()
        self.hub = EngineHub(FakeVad(), self.stt, self.tts, None, self.workers, turn,
                             lanes=lambda: self.workers["dialogue"])
        self.hub.fallback_audio = {"transfer": tone(2000, hz=700), "callback": tone(2000, hz=700)}
        clinic = ClinicConfig(name="Riverside Dental", hours="We are open 8 to 6.",
                              address="We are at 12 Mill Street.")
        self.config = Config(clinic=clinic, voice=VoiceConfig(**voice), transfer=TransferConfig(staff_uri=staff_uri))
        self.line = FakeLine(self.loop)
        self.events: list[Event] = []
        self.session = CallSession(self.line, self.hub, policy or FaqPolicy(clinic, self.config.voice.on_silence),
                                   self.config, recorder(self.hub) if recorder else None, self.events.append,
                                   answering=answering)
        self.task = self.loop.create_task(self.session.run())

    def run_for(self, seconds: float) -> None:
        """Let `seconds` of virtual time pass."""
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def run_until(self, condition: Callable[[], bool], limit_s: float = 60.0) -> float:
        """Run until `condition()` holds; return the virtual time then."""
        async def wait() -> None:
            while not condition():
                await asyncio.sleep(0.01)
        self.loop.run_until_complete(asyncio.wait_for(wait(), limit_s))
        return self.loop.time()

    def caller_says(self, text: str | tuple[str, ...], ms: int = 1200, dbfs: float = -20.0) -> None:
        """The caller speaks for `ms`; recognition will read it as `text` (see `FakeStt`)."""
        self.stt.lines.append(text)
        self.line.say(tone(ms, dbfs))

    def of(self, kind: type) -> list:
        """The events of one kind, in order."""
        return [e for e in self.events if isinstance(e, kind)]

    def finish(self) -> None:
        """The caller hangs up; the session closes."""
        self.line.end()
        self.loop.run_until_complete(self.task)
        self.loop.close()
