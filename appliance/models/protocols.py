"""One small interface per role. Audio inside the appliance is 16 kHz mono signed 16-bit PCM.

Adapters implement these; the rest of the appliance depends on nothing else of an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from appliance.audio import FRAME_BYTES, FRAME_MS, SAMPLE_RATE  # noqa: F401 - the engines' audio format


@dataclass(frozen=True)
class SttResult:
    """A transcript of the audio fed so far: partial while the caller speaks, then final."""

    text: str
    confidence: float  # 0..1, the engine's own estimate
    final: bool
    audio_s: float  # seconds of audio this result covers
    likeliest: str = ""  # the engine's likeliest reading, when `text` is not it but the likeliest that
    # holds what was expected (an alternative, to be checked with the caller)

    @property
    def alternative(self) -> bool:
        """`text` is not the engine's likeliest reading."""
        return bool(self.likeliest)


class SttStream(Protocol):
    """One utterance being recognised."""

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Add 16 kHz PCM (any whole number of samples); return partial results now ready."""

    def finish(self) -> SttResult:
        """End the utterance and return the final result."""


class Spelling(Protocol):
    """A word the caller was asked to spell, letter by letter."""

    def candidates(self, text: str) -> list[tuple[str, float]]:
        """Words the caller may be spelling, given `text` (the letters as first recognised), each
        with its allowance: how much less likely (log probability per token) the audio may find
        its spelling than `text` and still take it; none when `text` spells nothing."""


class Expected(Protocol):
    """The kind of answer the caller was asked for (a date of birth), as the dialogue reads it."""

    def readable(self, text: str, heard: str = "") -> bool:
        """Whether the dialogue can read the answer it asked for in `text` (another reading of
        what was first `heard`, if given: and keeps what that holds of it)."""


class SttEngine(Protocol):
    """A loaded speech recogniser."""

    name: str

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> SttStream:
        """Start recognising a new utterance. `hint` is short context text (the clinic's
        words, the forms of the answer expected) that an engine may use to bias recognition or ignore;
        `letters`: a word is being spelled, letter by letter (an engine may write letters only,
        or weigh the candidates' spellings against the audio); `expected`: the kind of answer
        asked for (an engine whose likeliest reading holds none may return a less likely reading
        that does, with the likeliest in `likeliest`)."""

    def close(self) -> None:
        """Free the model."""


class VadStream(Protocol):
    """Speech probability for consecutive 20 ms frames of one call."""

    def feed(self, frame: bytes) -> float:
        """Take one 20 ms 16 kHz frame; return the probability that it is speech (0..1)."""


class VadEngine(Protocol):
    """A loaded voice activity detector."""

    name: str
    threshold: float

    def stream(self) -> VadStream:
        """Start a detector with fresh state."""


class TurnModel(Protocol):
    """A loaded end-of-turn model: has the speaker finished, judging by the sound alone?"""

    name: str

    def finished(self, pcm: bytes) -> float:
        """Probability (0..1) that the speaker of `pcm` (the turn so far, 16 kHz) is done."""


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat: role is system, user or assistant."""

    role: str
    content: str


@dataclass(frozen=True)
class LlmStats:
    """What one reply cost."""

    prompt_tokens: int
    cached_tokens: int  # prompt tokens reused from the KV cache, not evaluated again
    completion_tokens: int
    first_token_s: float
    total_s: float
    stop_reason: str  # stop | max_tokens | time_budget


class LlmReply(Protocol):
    """A streaming reply: iterate for text pieces; `stats` is set once iteration ends."""

    stats: LlmStats | None

    def __iter__(self) -> Iterator[str]: ...

    def close(self) -> None:
        """Stop generating (for a barge-in); safe to call at any time."""


class LlmEngine(Protocol):
    """A loaded chat model."""

    name: str

    def chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
             time_budget_s: float | None = None, json_schema: dict[str, Any] | None = None,
             stop: Callable[[], bool] | None = None) -> LlmReply:
        """Stream a reply; with `json_schema` the output is constrained to match it; it ends at
        the next token once `stop()` is true (nobody needs it any more)."""

    def chat_json(self, messages: Sequence[ChatMessage], json_schema: dict[str, Any], *,
                  max_tokens: int | None = None, time_budget_s: float | None = None,
                  stop: Callable[[], bool] | None = None) -> dict[str, Any]:
        """A reply constrained to `json_schema`, parsed; `EngineError` when cut short."""

    def share_cores(self, sharing: bool) -> None:
        """Whether other calls' engines run beside the next replies (fewer threads then)."""

    def close(self) -> None:
        """Free the model."""


class TtsEngine(Protocol):
    """A loaded voice."""

    name: str
    native_rate: int

    def synthesize(self, text: str, rate: int = SAMPLE_RATE, steady: bool = False) -> Iterator[bytes]:
        """Speak `text` sentence by sentence: one PCM chunk (s16 mono at `rate`) per sentence;
        `steady` gives the same audio for the same text every time."""

    def close(self) -> None:
        """Free the model."""
