"""The seam between the call loop and whatever carries the call (SIP, the local headset).

A transport moves one call's audio and control; it knows nothing of recognition or dialogue.
Audio is 16 kHz mono s16 in 20 ms frames both ways. The transport hands everything to its
`CallListener` on the event loop given to `open`, in one hop from the thread the audio
arrives on (`loop.call_soon_threadsafe`), and never blocks that thread.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from appliance.voice.events import TransferEvent


class Caller(Protocol):
    """Who is on the other end."""

    @property
    def number(self) -> str: ...

    @property
    def name(self) -> str: ...


class CallListener(Protocol):
    """What the call loop hears from its transport; every method runs on the event loop."""

    def on_frame(self, arrived: float, pcm: bytes) -> None:
        """One 20 ms frame of the caller, received at `arrived` (monotonic seconds)."""

    def on_played(self, mark: str, at: float) -> None:
        """The first frame written with `mark` left for the caller at `at`."""

    def on_drained(self) -> None:
        """Everything written has been played (the outbound queue ran empty)."""

    def on_dtmf(self, digit: str) -> None:
        """The caller pressed a key."""

    def on_transfer(self, event: TransferEvent) -> None:
        """Progress of a transfer this call asked for."""

    def on_ended(self) -> None:
        """The call is over; nothing more arrives. Called once."""


class CallTransport(Protocol):
    """One call's audio and control, as the call loop sees it."""

    call_id: str
    direction: str  # inbound | outbound (SIP) | test (the front desk trying the agent)

    @property
    def caller(self) -> Caller: ...

    def open(self, loop: asyncio.AbstractEventLoop, listener: CallListener) -> None:
        """Start delivering to `listener` on `loop` (frames that arrived before are delivered first)."""

    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio for the caller; return the 20 ms frames queued (0 once the call is over)."""

    def clear(self) -> int:
        """Drop audio not yet played; return the frames dropped."""

    @property
    def pending_frames(self) -> int:
        """Frames queued but not yet played."""

    def hangup(self) -> None:
        """End the call."""

    def transfer(self, target: str, context: dict[str, str], mode: str, ring_timeout_s: float) -> None:
        """Hand the caller to `target` (blind or attended); progress arrives as `on_transfer`.
        A transport that cannot transfer reports `TransferState.FAILED` at once."""

    @property
    def end_reason(self) -> str:
        """Why the call ended, in the transport's words ("SIP 487"), once it has; else ""."""

    def recording(self) -> tuple[bytes, bytes] | None:
        """(caller, agent) audio of the whole call once it has ended, when it was recorded."""
