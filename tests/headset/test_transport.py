"""The headset transport on a real sound server: what it plays comes out of the speaker, what
the caller says arrives as 20 ms frames, marks, drain, clear and hang-up are reported on the
call loop, and a device that refuses 16 kHz is resampled."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from appliance.audio import frames, level_dbfs
from appliance.headset import transport as transport_module
from appliance.headset.devices import find_headset
from appliance.headset.errors import UnknownDeviceError
from appliance.headset.transport import AGENT_HUNG_UP, HeadsetTransport
from appliance.models.protocols import FRAME_BYTES, SAMPLE_RATE
from appliance.voice.events import TransferState

LOUD_DBFS = -30.0  # a frame of the test tone; the null sinks are digitally silent otherwise


def tone(seconds: float, hz: float = 440.0) -> bytes:
    """A sine at -12 dBFS."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * hz * t) * 8192).astype("<i2").tobytes()


def loud_seconds(pcm: bytes) -> float:
    """How much of `pcm` is the tone, in seconds (20 ms resolution)."""
    return sum(level_dbfs(f) > LOUD_DBFS for f in frames(pcm)) * 0.02


def main_frequency(pcm: bytes) -> float:
    """The strongest frequency of the loud part."""
    loud = np.concatenate([np.frombuffer(f, "<i2") for f in frames(pcm) if level_dbfs(f) > LOUD_DBFS])
    spectrum = np.abs(np.fft.rfft(loud.astype(np.float32)))
    return float(np.fft.rfftfreq(len(loud), 1 / SAMPLE_RATE)[spectrum.argmax()])


class Listener:
    """Records what the transport reports, and on which thread."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, bytes]] = []
        self.events: list[tuple] = []
        self.threads: set[int] = set()

    def _note(self, *event: object) -> None:
        self.threads.add(threading.get_ident())
        self.events.append((*event, time.monotonic()))

    def on_frame(self, arrived: float, pcm: bytes) -> None:
        self.threads.add(threading.get_ident())
        self.frames.append((arrived, pcm))

    def on_played(self, mark: str, at: float) -> None:
        self._note("played", mark, at)

    def on_drained(self) -> None:
        self._note("drained")

    def on_dtmf(self, digit: str) -> None:
        self._note("dtmf", digit)

    def on_transfer(self, event) -> None:  # noqa: ANN001
        self._note("transfer", event)

    def on_ended(self) -> None:
        self._note("ended")

    def kinds(self) -> list[str]:
        return [event[0] for event in self.events]

    def after(self, kind: str, start: int = 0) -> tuple | None:
        return next((e for e in self.events[start:] if e[0] == kind), None)


async def until(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Wait on the loop until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def opened(transport: HeadsetTransport) -> Listener:
    """Open `transport` on this loop; return once the microphone delivers (the streams run)."""
    listener = Listener()
    transport.open(asyncio.get_running_loop(), listener)
    await until(lambda: len(listener.frames) >= 5)
    return listener


def test_what_is_written_comes_out_of_the_speaker_with_its_mark_then_drained(headset_env):
    async def call() -> tuple[Listener, float]:
        transport = HeadsetTransport()
        listener = await opened(transport)
        with headset_env.recording() as recorded:
            assert transport.write(tone(1.0), mark="greeting") == 50
            assert transport.write(b"\1\0" * 100) == 1  # a short tail is padded to a whole frame
            assert transport.pending_frames >= 45
            await until(lambda: "drained" in listener.kinds())
            await asyncio.sleep(0.3)  # the sound server's own buffer plays out
        transport.hangup()
        await until(lambda: "ended" in listener.kinds())
        return listener, loud_seconds(recorded.read_bytes())

    listener, heard = asyncio.run(call())
    assert listener.kinds() == ["played", "drained", "ended"]
    (_, mark, played_at, _), (_, drained_at), _ = listener.events
    assert mark == "greeting"
    assert 0.95 <= drained_at - played_at <= 1.3  # the tone and its 20 ms tail, played in real time
    assert 0.9 <= heard <= 1.1
    assert len(listener.threads) == 1  # everything on the loop's thread, none on PortAudio's


def test_what_the_caller_says_arrives_as_20ms_frames(headset_env):
    async def call() -> Listener:
        transport = HeadsetTransport()
        listener = await opened(transport)
        before = len(listener.frames)
        await asyncio.to_thread(headset_env.play, tone(1.5, hz=300))
        await asyncio.sleep(0.3)
        transport.hangup()
        listener.frames = listener.frames[before:]
        return listener

    listener = asyncio.run(call())
    assert all(len(pcm) == FRAME_BYTES for _, pcm in listener.frames)
    caller = b"".join(pcm for _, pcm in listener.frames)
    assert 1.4 <= loud_seconds(caller) <= 1.6
    assert abs(main_frequency(caller) - 300) < 5
    arrived = [at for at, _ in listener.frames]
    assert arrived == sorted(arrived)
    span = arrived[-1] - arrived[0]
    assert len(listener.frames) * 0.02 == pytest.approx(span, abs=0.3)  # real time, nothing lost or doubled
    assert listener.threads == {threading.get_ident()}


def test_clear_drops_what_has_not_played(headset_env):
    async def call() -> tuple[Listener, int, float]:
        transport = HeadsetTransport()
        listener = await opened(transport)
        with headset_env.recording() as recorded:
            transport.write(tone(3.0), mark="long")
            await until(lambda: "played" in listener.kinds())
            await asyncio.sleep(0.5)
            dropped = transport.clear()
            assert transport.pending_frames == 0
            await until(lambda: "drained" in listener.kinds())
            await asyncio.sleep(0.3)
        transport.hangup()
        return listener, dropped, loud_seconds(recorded.read_bytes())

    listener, dropped, heard = asyncio.run(call())
    assert 110 <= dropped <= 130  # 2.5 of the 3 seconds
    assert 0.4 <= heard <= 0.7
    assert listener.kinds()[:2] == ["played", "drained"]


def test_hangup_ends_once_and_nothing_plays_after(headset_env):
    async def call() -> tuple[Listener, HeadsetTransport]:
        transport = HeadsetTransport()
        listener = await opened(transport)
        transport.transfer("sip:desk@clinic", {"reason": "test"}, "blind", 20.0)
        await until(lambda: "transfer" in listener.kinds())
        transport.write(tone(2.0))
        transport.hangup()
        transport.hangup("again")
        await asyncio.sleep(0.3)
        assert transport.write(tone(0.1)) == 0
        return listener, transport

    listener, transport = asyncio.run(call())
    assert listener.kinds() == ["transfer", "ended"]
    event = listener.events[0][1]
    assert (event.state, event.reason, event.target) == (TransferState.FAILED, "no transfer from the headset",
                                                         "sip:desk@clinic")
    frames_at_end = [at for at, _ in listener.frames if at > listener.events[-1][-1]]
    assert frames_at_end == []  # on_ended is the last thing the listener hears
    assert transport.end_reason == AGENT_HUNG_UP
    assert transport.recording() is None
    assert (transport.direction, transport.caller.number, transport.caller.name) == ("test", "", "Front desk test")


def test_a_device_that_refuses_16khz_is_resampled_both_ways(headset_env, monkeypatch):
    real = find_headset()
    at_48k = replace(real, microphone=replace(real.microphone, rate=44100), speaker=replace(real.speaker, rate=48000))
    monkeypatch.setattr(transport_module, "find_headset", lambda device: at_48k)

    async def call() -> tuple[Listener, bytes, bytes]:
        transport = HeadsetTransport()
        listener = await opened(transport)
        start = len(listener.frames)
        with headset_env.recording() as recorded:
            transport.write(tone(1.0, hz=500), mark="m")
            await asyncio.to_thread(headset_env.play, tone(1.0, hz=300))
            await until(lambda: "drained" in listener.kinds())
            await asyncio.sleep(0.3)
        transport.hangup()
        caller = b"".join(pcm for _, pcm in listener.frames[start:])
        return listener, caller, recorded.read_bytes()

    listener, caller, speaker = asyncio.run(call())
    assert listener.kinds()[:2] == ["played", "drained"]
    assert all(len(pcm) == FRAME_BYTES for _, pcm in listener.frames)
    assert 0.9 <= loud_seconds(caller) <= 1.1 and abs(main_frequency(caller) - 300) < 5
    assert 0.9 <= loud_seconds(speaker) <= 1.1 and abs(main_frequency(speaker) - 500) < 5


def test_a_headset_named_that_is_not_there_is_a_clear_error(headset_env):
    with pytest.raises(UnknownDeviceError, match="no single microphone named 'Jabra'.*: pulse, default"):
        HeadsetTransport("Jabra")
