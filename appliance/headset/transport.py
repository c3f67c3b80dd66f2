"""`HeadsetTransport`: a test call on the PC's own microphone and speaker (a `CallTransport`).

PortAudio calls `_heard` and `_speak` on its audio threads every 20 ms; they only move bytes
(`buffers`) and hand events to the call loop with `loop.call_soon_threadsafe`, one hop, never
blocking. The input and output are two streams: a duplex stream through ALSA's PulseAudio
plugin stalls and underruns where two simple ones run steadily.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from appliance.headset.buffers import Inbound, Outbound
from appliance.headset.devices import Headset, find_headset, portaudio
from appliance.headset.errors import HeadsetError
from appliance.models.protocols import FRAME_MS
from appliance.voice.events import TransferEvent, TransferState
from appliance.voice.transport import CallListener

log = logging.getLogger(__name__)
AGENT_HUNG_UP = "the agent hung up"
DEVICE_STOPPED = "the sound device stopped"
NO_TRANSFER = "no transfer from the headset"


@dataclass(frozen=True)
class FrontDeskCaller:
    """Who calls on a test call: the front desk, with no number."""

    number: str = ""
    name: str = "Front desk test"


class HeadsetTransport:
    """One test call through the headset. The streams open here (so a missing or busy device
    is reported before any model loads) and start on `open`; `hangup` closes them."""

    direction = "test"

    def __init__(self, device: str | None = None) -> None:
        self.call_id = f"headset-{uuid.uuid4().hex[:8]}"
        self.caller = FrontDeskCaller()
        self.headset: Headset = find_headset(device)
        self._outbound = Outbound(self.headset.speaker.rate)
        self._inbound = Inbound(self.headset.microphone.rate)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: CallListener | None = None
        self._ended = False
        self._end_reason = ""
        self.failed = False  # the device stopped or would not start
        self._lock = threading.Lock()  # only around ending: the frame callbacks never take it
        self._streams = self._open_streams()

    def _open_streams(self) -> list:
        sd = portaudio()
        mic, speaker = self.headset.microphone, self.headset.speaker
        streams = []
        try:
            for endpoint, kind, callback in ((speaker, sd.RawOutputStream, self._speak),
                                             (mic, sd.RawInputStream, self._heard)):
                streams.append(kind(device=endpoint.index, samplerate=endpoint.rate, channels=1, dtype="int16",
                                    blocksize=endpoint.rate * FRAME_MS // 1000, callback=callback,
                                    finished_callback=self._stream_finished))
        except sd.PortAudioError as exc:
            for stream in streams:
                stream.close()
            raise HeadsetError(f"the headset cannot be opened ({mic.name} / {speaker.name}): {exc}") from None
        return streams

    # --- CallTransport -------------------------------------------------------------------
    def open(self, loop: asyncio.AbstractEventLoop, listener: CallListener) -> None:
        """Start the microphone and speaker, reporting to `listener` on `loop`."""
        self._loop, self._listener = loop, listener
        if self._ended:
            self._post(listener.on_ended)
            return
        try:
            for stream in self._streams:
                stream.start()
        except portaudio().PortAudioError as exc:
            log.error("the headset could not start: %s", exc)
            self.failed = True
            self.hangup(f"the headset could not start: {exc}")

    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio for the speaker; return the 20 ms frames queued (0 once ended)."""
        return 0 if self._ended else self._outbound.write(pcm, mark)

    def clear(self) -> int:
        """Drop audio not yet played; return the frames dropped."""
        return self._outbound.clear()

    @property
    def pending_frames(self) -> int:
        """Frames queued and not yet played."""
        return self._outbound.pending

    def hangup(self, reason: str = AGENT_HUNG_UP) -> None:
        """End the call: close the streams, then report `on_ended` (once)."""
        first = self._finish(reason)
        streams, self._streams = self._streams, []
        for stream in streams:
            try:
                stream.abort()  # returns once a callback in flight has finished
                stream.close()
            except portaudio().PortAudioError as exc:
                log.warning("closing the headset: %s", exc)
        if first and self._listener is not None:
            self._post(self._listener.on_ended)

    def transfer(self, target: str, context: dict[str, str], mode: str, ring_timeout_s: float) -> None:
        """A headset cannot transfer: report the failure at once."""
        if self._listener is not None:
            self._post(self._listener.on_transfer, TransferEvent(
                call_id=self.call_id, state=TransferState.FAILED, mode=mode, target=target, reason=NO_TRANSFER))

    @property
    def end_reason(self) -> str:
        """Why the call ended, once it has; else ""."""
        return self._end_reason

    def recording(self) -> tuple[bytes, bytes] | None:
        """Test calls are not recorded."""
        return None

    # --- the audio threads ---------------------------------------------------------------
    def _heard(self, indata: object, frames: int, time_info: object, status: object) -> None:
        if self._ended:
            return
        arrived = time.monotonic()
        for frame in self._inbound.push(bytes(indata)):
            self._post(self._listener.on_frame, arrived, frame)

    def _speak(self, outdata: object, frames: int, time_info: object, status: object) -> None:
        block, marks, drained = self._outbound.fill(len(outdata))
        outdata[:] = block
        if self._ended:
            return
        played = time.monotonic()
        for mark in marks:
            self._post(self._listener.on_played, mark, played)
        if drained:
            self._post(self._listener.on_drained)

    def _stream_finished(self) -> None:
        """A stream stopped: ours on hang-up (nothing to do), else the device went away."""
        if self._finish(DEVICE_STOPPED):
            self.failed = True
            if self._listener is not None:
                self._post(self._listener.on_ended)

    # --- helpers -------------------------------------------------------------------------
    def _finish(self, reason: str) -> bool:
        """Mark the call ended; True the first time only."""
        with self._lock:
            if self._ended:
                return False
            self._ended, self._end_reason = True, reason
            return True

    def _post(self, fn: Callable, *args: object) -> None:
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the process is ending
            pass
