"""`CallLeg`: one SIP call as the call loop's `CallTransport`. Safe to use from any thread.

Frames are stamped and queued on pjmedia's clock thread, which then asks the listener's event
loop to take them (`call_soon_threadsafe`): one hop, in order, never blocking the clock.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from appliance.sip.callerid import CallerId
from appliance.sip.media import AudioPort
from appliance.voice.events import DtmfEvent, Event, TransferEvent
from appliance.voice.transport import CallListener

if TYPE_CHECKING:
    from appliance.sip.agent import SipAgent


class CallLeg:
    """One call: 20 ms frames of 16 kHz audio in and out, keys, hang-up and transfer."""

    def __init__(self, agent: SipAgent, call_id: str, direction: str, caller: CallerId,
                 remote_uri: str, headers: dict[str, str]) -> None:
        self.agent = agent
        self.call_id = call_id
        self.direction = direction
        self.caller = caller
        self.remote_uri = remote_uri
        self.headers = headers
        self.answered = threading.Event()
        self.ended = threading.Event()
        self.end_code = 0
        self.srtp = False  # the audio goes over SRTP (set on the SIP thread when media starts)
        self.port: AudioPort | None = None  # set and cleared on the SIP thread only
        self._recording: tuple[list[bytes], list[bytes]] | None = None
        self._inbound: deque[tuple[float, bytes]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: CallListener | None = None
        self._detached = False
        self._told_ended = False

    # --- the call loop's side ------------------------------------------------------------
    def open(self, loop: asyncio.AbstractEventLoop, listener: CallListener) -> None:
        """Deliver frames and call events to `listener` on `loop` from now on."""
        self._loop, self._listener = loop, listener
        self._post(self._take_frames)
        if self._detached:
            self._post(self._tell_ended)

    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio to play to the far end; returns the number of 20 ms frames queued."""
        port = self.port
        return port.write(pcm, mark) if port is not None and not self.ended.is_set() else 0

    def clear(self) -> int:
        """Drop audio not yet played (barge-in); returns the frames dropped."""
        port = self.port
        return port.clear() if port is not None else 0

    @property
    def pending_frames(self) -> int:
        """Frames queued but not yet sent."""
        port = self.port
        return len(port.outbound) if port is not None else 0

    def hangup(self, code: int = 200) -> None:
        """End the call (BYE, or a final response if not yet answered)."""
        self.agent.hangup(self, code)

    def transfer(self, target: str, context: dict[str, str], mode: str = "blind",
                 ring_timeout_s: float | None = None, announce: bytes = b"") -> None:
        """Hand the caller to `target`; progress arrives as `TransferEvent`s.

        `context` (reason, summary, ...) travels as X-Handover-* headers; in attended mode
        `announce` (16 kHz PCM) is played to the staff member before the caller is connected.
        """
        self.agent.transfer(self, target, context, mode, announce, ring_timeout_s)

    @property
    def end_reason(self) -> str:
        """The SIP status that ended the call, once it has."""
        return f"SIP {self.end_code}" if self.end_code else ""

    def recording(self) -> tuple[bytes, bytes] | None:
        """(caller, agent) audio of the call once it is over, when the agent records calls."""
        recorded = self._recording
        return (b"".join(recorded[0]), b"".join(recorded[1])) if recorded is not None else None

    # --- the SIP thread's side -----------------------------------------------------------
    def attach(self, port: AudioPort) -> None:
        """Called on the SIP thread when the call's media port exists."""
        self._inbound = port.inbound
        self.port = port
        port.on_sent = self._sent
        port.on_inbound = lambda: self._post(self._take_frames)

    def deliver(self, event: Event) -> None:
        """A key or transfer progress of this call (SIP thread), for the listener."""
        if isinstance(event, DtmfEvent):
            self._post(lambda: self._listener.on_dtmf(event.digit))
        elif isinstance(event, TransferEvent):
            self._post(lambda: self._listener.on_transfer(event))

    def mark_ended(self, code: int) -> None:
        """Called on the SIP thread when the call is over."""
        self.end_code = code
        self.ended.set()

    def detach(self) -> None:
        """Called on the SIP thread when the call is gone: the port is freed there, not here.
        Frames already received are still delivered, then the listener hears the end."""
        port, self.port = self.port, None
        if port is not None:
            port.on_inbound = port.on_sent = None
            if port.recorded_in is not None:
                self._recording = (port.recorded_in, port.recorded_out)
        self._detached = True
        self._post(self._tell_ended)

    def _sent(self, mark: str | None, at: float, drained: bool) -> None:
        """pjmedia's clock thread sent a marked frame or the last queued one."""
        if mark is not None:
            self._post(lambda: self._listener.on_played(mark, at))
        if drained:
            self._post(lambda: self._listener.on_drained())

    # --- on the listener's loop ----------------------------------------------------------
    def _post(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(fn)
        except RuntimeError:  # the loop has closed: the process is ending
            pass

    def _take_frames(self) -> None:
        while self._inbound:
            self._listener.on_frame(*self._inbound.popleft())

    def _tell_ended(self) -> None:
        if not self._told_ended:
            self._told_ended = True
            self._take_frames()
            self._listener.on_ended()

    def __repr__(self) -> str:
        return f"CallLeg({self.call_id}, {self.direction}, {self.caller.number or 'anonymous'})"
