"""The agent's voice on the line: the only writer of the call's outbound audio.

It synthesizes a reply sentence by sentence, queues the audio on the
transport, keeps what was queued (`Playback`) so a barge-in knows what the caller heard, and
learns from the transport's events when the first frame went out and when playout ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from appliance.voice.playback import Playback
from appliance.voice.sentences import SentenceSplitter
from appliance.voice.transport import CallTransport

Synthesize = Callable[[str], Awaitable[bytes]]


class Speaker:
    """Speaks replies on one call."""

    def __init__(self, transport: CallTransport, synthesize: Synthesize,
                 ready: Callable[[str], bool] = lambda sentence: False) -> None:
        self.transport = transport
        self.synthesize = synthesize
        self.ready = ready  # whether a sentence's audio is at hand (the phrase cache)
        self.playback = Playback()
        self.played: dict[str, float] = {}  # mark -> when its first frame went out
        self._drained = asyncio.Event()
        self._drained.set()
        self._ended = False

    # --- what the transport reports ------------------------------------------------------
    def on_played(self, mark: str, at: float) -> None:
        """The first frame written with `mark` went out at `at`."""
        self.played[mark] = at

    def on_drained(self) -> None:
        """The transport's queue ran empty (it may have been refilled since)."""
        if self.transport.pending_frames == 0:
            self._drained.set()

    def on_ended(self) -> None:
        """The call is over: nothing more will play."""
        self._ended = True
        self._drained.set()

    # --- speaking ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Audio is queued and not yet played."""
        return not self._drained.is_set()

    def begin(self) -> None:
        """A new utterance: what was queued before is no longer this one's."""
        self.playback = Playback()

    async def speak(self, text: str, mark: str, on_sentence: Callable[[str], None] = lambda stage: None) -> None:
        """Say `text` a sentence at a time (the first may end at a comma, to start sooner, or
        where the words before it are `ready`);
        `on_sentence("first_sentence")` and `("tts_first_audio")` mark the stages of each.
        Returns once it is all queued."""
        for sentence in SentenceSplitter(ready=self.ready).split(text):
            await self._sentence(sentence, mark, on_sentence)

    async def _sentence(self, text: str, mark: str, on_sentence: Callable[[str], None]) -> None:
        on_sentence("first_sentence")
        pcm = await self.synthesize(text)
        on_sentence("tts_first_audio")
        self.playback.add(text, pcm)
        self.write(pcm, mark if len(self.playback.sentences) == 1 else None)

    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio; return the frames queued."""
        if self._ended:
            return 0
        frames = self.transport.write(pcm, mark)
        if frames:
            self._drained.clear()
        return frames

    async def play(self, pcm: bytes, timeout: float) -> None:
        """Queue audio rendered earlier and wait until it has played (at most `timeout` s)."""
        self.begin()
        self.playback.add("", pcm)  # its level tells its echo from the caller
        self.write(pcm)
        await self.finished(timeout)

    async def finished(self, timeout: float | None = None) -> None:
        """Wait until everything queued has played (or the call ended, or `timeout` passed)."""
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except TimeoutError:
            pass

    def interrupt(self) -> tuple[str, int]:
        """Drop what has not played yet; return (the words the caller heard, frames dropped)."""
        dropped = self.transport.clear()
        heard = self.playback.heard_text(dropped)
        self.playback = Playback()
        self._drained.set()
        return heard, dropped

    def agent_level(self) -> float | None:
        """The level of the agent audio just played (its echo may be arriving now)."""
        return self.playback.level_near(self.transport.pending_frames)
