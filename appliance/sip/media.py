"""The audio port between a call and the rest of the appliance.

pjmedia's clock thread calls `onFrameReceived` / `onFrameRequested` every 20 ms. They only
move bytes between the call and two deques (append/popleft are atomic in CPython): no
locks held, no logging, no blocking. Frames are 16 kHz mono s16; pjmedia's conference
bridge resamples to and from the call's codec (8 kHz PCMU/PCMA, 16 kHz G.722).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import pjsua2 as pj

from appliance.audio import drop_queued, frames
from appliance.models.protocols import FRAME_BYTES, FRAME_MS, SAMPLE_RATE

SILENCE = b"\0" * FRAME_BYTES
# hold moves a call's media but audio must keep flowing to and from the port
ACTIVE_AUDIO_STATUSES = (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_LOCAL_HOLD,
                         pj.PJSUA_CALL_MEDIA_REMOTE_HOLD)
MAX_INBOUND_FRAMES = 1500  # 30 s: a consumer that stalls loses the oldest audio, never blocks


class AudioPort(pj.AudioMediaPort):
    """Audio in and out of one call as 20 ms frames."""

    def __init__(self, name: str, record: bool = False) -> None:
        super().__init__()
        self.idle = True  # between calls (see PortPool): the callbacks do nothing
        self.reset(record)
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.id = pj.PJMEDIA_FORMAT_L16
        fmt.clockRate = SAMPLE_RATE
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = FRAME_MS * 1000
        fmt.avgBps = fmt.maxBps = SAMPLE_RATE * 16
        self.createPort(name, fmt)
        self.idle = False

    def reset(self, record: bool = False) -> None:
        """Fresh state for a new call: nothing queued, counted or recorded yet."""
        self.inbound: deque[tuple[float, bytes]] = deque(maxlen=MAX_INBOUND_FRAMES)
        self.outbound: deque[tuple[float, bytes, str | None]] = deque()
        self.on_inbound: Callable[[], None] | None = None  # a frame was queued in `inbound`
        self.on_sent: Callable[[str | None, float, bool], None] | None = None  # (mark, when, drained)
        self.frames_in = 0
        self.frames_out = 0  # frames of real audio sent
        self.ticks_out = 0  # every frame sent, silence included
        self.out_delays: deque[float] = deque(maxlen=3000)  # seconds queued before sending
        self.recorded_in: list[bytes] | None = [] if record else None
        self.recorded_out: list[bytes] | None = [] if record else None

    # --- pjmedia clock thread ------------------------------------------------------------
    def onFrameReceived(self, frame: pj.MediaFrame) -> None:  # noqa: N802 - pjsua2 API
        if self.idle:
            return
        if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or frame.size == 0:
            data = SILENCE
        else:
            data = bytes(frame.buf)
        self.frames_in += 1
        self.inbound.append((time.monotonic(), data))
        if self.recorded_in is not None:
            self.recorded_in.append(data)
        callback = self.on_inbound
        if callback is not None:
            callback()

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:  # noqa: N802 - pjsua2 API
        if self.idle:
            frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
            return
        self.ticks_out += 1
        try:
            queued_at, data, mark = self.outbound.popleft()
        except IndexError:
            data = SILENCE
        else:
            now = time.monotonic()
            self.frames_out += 1
            self.out_delays.append(now - queued_at)
            drained = not self.outbound
            if mark is not None or drained:
                callback = self.on_sent
                if callback is not None:
                    callback(mark, now, drained)
        if self.recorded_out is not None:
            self.recorded_out.append(data)
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(data)
        frame.size = len(data)

    # --- any thread ----------------------------------------------------------------------
    def write(self, pcm: bytes, mark: str | None = None) -> int:
        """Queue audio to send (20 ms frames, the tail padded); return the frames queued.

        With `mark`, `on_sent` reports when the first of these frames goes out.
        """
        now = time.monotonic()
        queued = [(now, frame, mark if index == 0 else None) for index, frame in enumerate(frames(pcm))]
        self.outbound.extend(queued)
        return len(queued)

    def clear(self) -> int:
        """Drop queued outbound audio (a barge-in); return how many frames were dropped."""
        return drop_queued(self.outbound)


class PortPool:
    """Audio ports reused from call to call, freed only once the audio clock has stopped.

    A port freed while pjmedia's clock thread runs can be called back half destroyed (its
    attributes already gone, then freed memory: a crash), because freeing it releases the GIL.
    So an ended call's port goes back here, idle, for the next call; `close` stops the clock
    (no sound device at all) before the ports go. Use on the SIP thread only.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._idle: list[AudioPort] = []
        self._all: list[AudioPort] = []

    def acquire(self, record: bool = False) -> AudioPort:
        """An idle port, or a new one, ready for a call."""
        if self._idle:
            port = self._idle.pop()
            port.reset(record)
            port.idle = False
            return port
        port = AudioPort(f"{self.prefix}{len(self._all)}", record)
        self._all.append(port)
        return port

    def __len__(self) -> int:
        """How many ports exist (in use or idle)."""
        return len(self._all)

    def release(self, port: AudioPort) -> None:
        """The call is over: the port waits, idle, for the next one."""
        port.idle = True
        port.on_inbound = port.on_sent = None
        port.outbound.clear()
        self._idle.append(port)

    def close(self, endpoint: pj.Endpoint) -> None:
        """Stop the audio clock, then free every port (before the library is destroyed)."""
        if self._all:
            endpoint.audDevManager().setNoDev()
        self._idle.clear()
        self._all.clear()


def jitter_buffer_ms(call: pj.Call, stream_index: int) -> float | None:
    """The average time the call's received audio waited in its jitter buffer (ms), read while
    the stream still exists (`onStreamDestroyed`); None when pjsua2 cannot tell."""
    try:
        return float(call.getStreamStat(stream_index).jbuf.avgDelayMsec)
    except pj.Error:
        return None
