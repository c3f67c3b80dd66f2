"""Engines failing mid-call with the real service: the caller is never left in silence and
nothing committed is lost. Each fault is injected into the real, loaded engine for one call."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import replace

import pytest

from appliance.audio import read_wav
from appliance.config import TransferConfig
from appliance.lab.measure import reply_latencies_ms
from appliance.lab.peer_client import PeerPhone
from appliance.lab.scripted_call import run_script
from appliance.voice.events import (
    AgentSaidEvent,
    AlertEvent,
    CallEndedEvent,
    HandoverEvent,
)
from appliance.voice.phrases import PhraseCache
from tests.voice.test_call_loop import caller_line, on_call, start_call

pytestmark = pytest.mark.slow
HANG_S = 4.0  # longer than the engine timeout below; the engine then answers again


def broken(mode: str):  # noqa: ANN201
    """A replacement for an engine method that raises, or hangs for HANG_S then raises."""
    def method(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if mode == "hang":
            threading.Event().wait(HANG_S)
        raise RuntimeError(f"injected {mode}")
    return method


@contextmanager
def fault(live, engine: object, name: str, replacement):  # noqa: ANN001, ANN201
    """Replace `engine.name` for the duration; afterwards wait until no engine is stuck."""
    setattr(engine, name, replacement)
    try:
        yield
    finally:
        delattr(engine, name)
        deadline = time.monotonic() + HANG_S + 5
        while live.service.hub.stuck and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not live.service.hub.stuck


class FailingStream:
    """An STT stream whose final decode fails."""

    def __init__(self, mode: str) -> None:
        self.finish = broken(mode)

    def feed(self, pcm: bytes) -> list:
        return []


def call_and_say(live, tmp_path, text: str, injected=None, staff: PeerPhone | None = None):  # noqa: ANN001, ANN201
    """Call, wait for the greeting, start the fault (`injected`, a context manager), say `text`,
    wait for the call to end (by the service; or hang up once staff ring); return the call id,
    the caller-side reply latencies and the call's events."""
    line = caller_line(live, tmp_path, text, "line")
    peer, call_id = start_call(live, tmp_path)
    try:
        live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=20)
        mark = len(live.events.items)
        with injected or nullcontext():
            peer.send(cmd="play", wav=str(line))
            if staff is not None:
                staff.wait("incoming", timeout=20)
                time.sleep(1)
                peer.send(cmd="hangup")
            live.events.wait_for(on_call(call_id, CallEndedEvent), timeout=30, after=mark)
        record = peer.wait("ended", timeout=10)
    finally:
        peer.stop()
    latencies = reply_latencies_ms(read_wav(record["sent"]), read_wav(record["received"]))
    return call_id, latencies, live.events.items[mark:]


def last_call(live) -> dict:  # noqa: ANN001
    return live.last_call()


def callback_requests(live) -> int:  # noqa: ANN001
    return live.service.call_log.db.execute(
        "SELECT COUNT(*) FROM messages WHERE kind = 'callback' AND text LIKE '%technical problem%'").fetchone()[0]


@pytest.fixture
def staff(live, tmp_path):
    phone = PeerPhone("--user", "staff", record_dir=tmp_path / "staff")
    live.service.config = replace(live.service.config, transfer=TransferConfig(staff_uri=phone.uri, mode="blind"))
    yield phone
    live.service.config = replace(live.service.config, transfer=TransferConfig())
    phone.stop()


def test_speech_recognition_hanging_hands_the_caller_to_staff_after_an_apology(live, tmp_path, staff):
    live.set_voice(engine_timeout_s=1.5)
    stt = live.service.hub.stt
    hanging = fault(live, stt, "stream", lambda hint="", letters=None, expected=None: FailingStream("hang"))
    call_id, latencies, events = call_and_say(live, tmp_path, "What are your opening hours?", hanging, staff)
    assert latencies[0] is not None and latencies[0] < 6000, "the caller heard the agent after speaking"
    [handover] = [e for e in events if isinstance(e, HandoverEvent) and e.call_id == call_id]
    assert "stt engine" in handover.reason and "technical problem" in handover.summary
    assert any(isinstance(e, AlertEvent) and "stt engine" in e.problem for e in events), "the front desk is told"


def test_speech_recognition_raising_asks_the_caller_again(live, tmp_path):
    stt = live.service.hub.stt
    with fault(live, stt, "stream", lambda hint="", letters=None, expected=None: FailingStream("raise")):
        result = live.run(run_script(live.service, ["What are your opening hours?"], tmp_path))
    said = [text for speaker, text in result.transcript if speaker == "agent"]
    assert "didn't catch that" in said[1] and result.latencies_ms[0] is not None


def test_the_llm_hanging_leaves_a_callback_request_and_says_so(live, tmp_path):
    live.set_voice(engine_timeout_s=1.5)
    before = callback_requests(live)
    llm = live.service.hub.llm
    _, latencies, _ = call_and_say(live, tmp_path, "I have a question about something my brother told me.",
                                   fault(live, llm, "chat_json", broken("hang")))
    assert latencies[0] is not None and latencies[0] < 6000
    call = last_call(live)
    assert call["outcome"] == "message" and call["ended_at"]
    assert callback_requests(live) == before + 1


def test_the_llm_raising_falls_back_to_the_rules(live, tmp_path):
    line = "I have a question about something my brother told me."
    with fault(live, live.service.hub.llm, "chat_json", broken("raise")):
        result = live.run(run_script(live.service, [line, line], tmp_path))
    said = " ".join(text for speaker, text in result.transcript if speaker == "agent")
    assert "didn't understand" in said and "take a message" in said, result.transcript
    assert all(ms is not None for ms in result.latencies_ms)


def test_speech_synthesis_failing_mid_call_plays_the_prerecorded_apology(live, tmp_path):
    live.service.hub.phrases = PhraseCache()  # nothing said before is kept: every sentence needs the voice
    before = callback_requests(live)
    _, latencies, _ = call_and_say(live, tmp_path, "What are your opening hours?",
                                   fault(live, live.service.hub.tts, "synthesize", broken("raise")))
    assert latencies[0] is not None and latencies[0] < 6000, "the apology was heard"
    assert last_call(live)["outcome"] == "message"
    assert callback_requests(live) == before + 1
