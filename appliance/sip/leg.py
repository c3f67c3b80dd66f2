"""`CallLeg`: what the rest of the appliance holds of a call. Safe to use from any thread."""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

from appliance.sip.callerid import CallerId
from appliance.sip.media import AudioPort

if TYPE_CHECKING:
    from appliance.sip.agent import SipAgent


class CallLeg:
    """One call: 20 ms frames of 16 kHz audio in and out, hang-up and transfer."""

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
        self.recording: tuple[list[bytes], list[bytes]] | None = None  # (in, out) once ended, if recorded
        self._inbound: deque[tuple[float, bytes]] = deque()
        self._frames = threading.Condition()

    # --- audio ---------------------------------------------------------------------------
    def attach(self, port: AudioPort) -> None:
        """Called on the SIP thread when the call's media port exists."""
        port.on_inbound = self._wake
        self._inbound = port.inbound
        self.port = port

    def detach(self) -> None:
        """Called on the SIP thread when the call is gone: the port is freed there, not here.

        Frames already received stay readable.
        """
        port, self.port = self.port, None
        if port is not None:
            port.on_inbound = None
            if port.recorded_in is not None:
                self.recording = (port.recorded_in, port.recorded_out)

    def read(self, timeout: float | None = None) -> bytes | None:
        """The next received 20 ms frame; None on timeout or when the call has ended."""
        timed = self.read_timed(timeout)
        return timed[1] if timed is not None else None

    def read_timed(self, timeout: float | None = None) -> tuple[float, bytes] | None:
        """(arrival time, frame) of the next received frame, like `read`."""
        with self._frames:
            if not self._inbound and not self.ended.is_set():
                self._frames.wait(timeout)
            try:
                return self._inbound.popleft()
            except IndexError:
                return None

    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio to play to the far end; returns the number of 20 ms frames queued.

        With `mark`, `sent_at(mark)` later tells when its first frame left for the network.
        """
        port = self.port
        return port.write(pcm, mark) if port is not None and not self.ended.is_set() else 0

    def sent_at(self, mark: str) -> float | None:
        """When the first frame written with `mark` was sent (monotonic), if it was."""
        port = self.port
        return port.marks_sent.get(mark) if port is not None else None

    def clear(self) -> int:
        """Drop audio not yet played (barge-in); returns the frames dropped."""
        port = self.port
        return port.clear() if port is not None else 0

    @property
    def pending_frames(self) -> int:
        """Frames queued but not yet sent."""
        port = self.port
        return len(port.outbound) if port is not None else 0

    # --- control -------------------------------------------------------------------------
    def hangup(self, code: int = 200) -> None:
        """End the call (BYE, or a final response if not yet answered)."""
        self.agent.hangup(self, code)

    def transfer(self, target: str, context: dict[str, str], mode: str = "blind",
                 announce: bytes = b"", ring_timeout_s: float | None = None) -> None:
        """Hand the caller to `target`; progress arrives as `TransferEvent`s.

        `context` (reason, summary, ...) travels as X-Handover-* headers; in attended mode
        `announce` (16 kHz PCM) is played to the staff member before the caller is connected.
        """
        self.agent.transfer(self, target, context, mode, announce, ring_timeout_s)

    def mark_ended(self, code: int) -> None:
        """Called on the SIP thread when the call is over."""
        self.end_code = code
        self.ended.set()
        self._wake()

    def _wake(self) -> None:
        with self._frames:
            self._frames.notify_all()

    def __repr__(self) -> str:
        return f"CallLeg({self.call_id}, {self.direction}, {self.caller.number or 'anonymous'})"
