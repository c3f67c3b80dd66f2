"""Whole calls over real SIP with the real models: turns, barge-in, echo, silence, hang-ups."""

from __future__ import annotations

import time

import numpy as np
import pytest

from appliance.audio import read_wav, write_wav
from appliance.bench.wer import word_error_rate
from appliance.lab.demo import DEMO_CLINIC
from appliance.lab.measure import active_windows, speech_segments
from appliance.lab.peer_client import PeerPhone
from appliance.lab.scripted_call import run_script
from appliance.lab.speech import shifted_piper, silence
from appliance.voice.events import (
    AgentSaidEvent,
    AgentState,
    AgentStateEvent,
    BargeInEvent,
    CallEndedEvent,
    CallStartedEvent,
    TurnLatencyEvent,
)

pytestmark = pytest.mark.slow


def caller_line(live, tmp_path, text: str, name: str):
    path = tmp_path / f"{name}.wav"
    write_wav(path, shifted_piper(live.service.hub.tts, text) + silence(0.05))
    return path


def start_call(live, tmp_path, *args):
    peer = PeerPhone("--codecs", "PCMU", *args, record_dir=tmp_path / "peer")
    mark = len(live.events.items)
    peer.send(cmd="call", uri=live.service.agent.local_uri)
    started = live.events.wait_for(lambda e: isinstance(e, CallStartedEvent), after=mark)
    return peer, started.call_id


def on_call(call_id, kind, **fields):
    return lambda e: isinstance(e, kind) and e.call_id == call_id and all(
        getattr(e, k) == v for k, v in fields.items())


def test_two_turn_conversation_is_transcribed_answered_and_stored(live, tmp_path):
    lines = ["What are your opening hours?", "Where is the clinic located?"]
    result = live.run(run_script(live.service, lines, tmp_path))
    callers = [text for speaker, text in result.transcript if speaker == "caller"]
    agents = [text for speaker, text in result.transcript if speaker == "agent"]
    what = f"transcript {result.transcript}, heard after {result.latencies_ms} ms, stages {result.stages_ms}"
    assert len(callers) == 2 and all(word_error_rate(a, b) <= 0.35 for a, b in zip(lines, callers, strict=True)), what
    assert agents[0].startswith("Thank you for calling Riverside Dental"), what
    assert agents[1].startswith(DEMO_CLINIC.hours) and agents[2].startswith(DEMO_CLINIC.address), what
    assert all(ms is not None and ms < 3000 for ms in result.latencies_ms), what
    assert len(result.stages_ms) == 2 and all("first_frame_out" in s for s in result.stages_ms), what
    call = live.last_call()
    turns = live.service.call_log.turns(call["id"])
    assert call["outcome"] == "caller_hung_up" and call["ended_at"]
    assert [t["speaker"] for t in turns] == ["agent", "caller", "agent", "caller", "agent"]


def test_barge_in_stops_playback_quickly_and_keeps_only_what_was_heard(live, tmp_path):
    interruption = caller_line(live, tmp_path, "Sorry to interrupt, I just need to cancel my appointment.", "cut")
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentStateEvent, state=AgentState.SPEAKING))
    time.sleep(0.8)
    peer.send(cmd="play", wav=str(interruption))
    barge = live.events.wait_for(on_call(call_id, BargeInEvent))
    assert barge.frames_dropped > 0
    said = live.events.wait_for(on_call(call_id, AgentSaidEvent, interrupted=True))
    assert said.text and len(said.text) < len("Thank you for calling Riverside Dental. How can I help you today?")
    time.sleep(2)
    peer.send(cmd="hangup")
    ended = peer.wait("ended")
    peer.stop()
    sent, heard = read_wav(ended["sent"]), active_windows(read_wav(ended["received"]))
    onset = speech_segments(sent)[0][0]
    first = int(onset / 0.01)
    quiet = next(i for i in range(first, len(heard) - 30) if not heard[i:i + 30].any())
    stop_ms = (quiet - first) * 10
    print(f"\nbarge-in: agent cut its audio {barge.stopped_after_ms:.0f} ms after the caller's first "
          f"speech frame arrived; the caller heard it stop {stop_ms} ms after starting to speak")
    assert barge.stopped_after_ms <= 200
    assert stop_ms <= 800  # plus the network, both jitter buffers and the codec: load-dependent


def test_the_agents_own_echo_does_not_interrupt_it(live, tmp_path):
    peer, call_id = start_call(live, tmp_path, "--echo-db", "-20")
    said = live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=15)
    assert not said.interrupted
    assert not any(isinstance(e, BargeInEvent) and e.call_id == call_id for e in live.events.items)
    peer.send(cmd="hangup")
    peer.stop()


def test_silence_reprompts_then_ends_the_call(live, tmp_path):
    live.set_voice(reprompt_after_s=2.0, max_reprompts=1)
    peer, call_id = start_call(live, tmp_path)
    prompts = []
    deadline = time.monotonic() + 45  # the greeting (with its disclosure), two waits and a reprompt
    while time.monotonic() < deadline and len(prompts) < 3:
        prompts = [e.text for e in live.events.items if isinstance(e, AgentSaidEvent) and e.call_id == call_id]
        time.sleep(0.2)
    assert "still there" in prompts[1] and "end the call" in prompts[2]
    ended = live.events.wait_for(on_call(call_id, CallEndedEvent), timeout=10)
    assert ended.hung_up_by == "local"
    peer.stop()
    assert live.last_call()["outcome"] == "no_input"


def test_caller_hanging_up_mid_reply_ends_everything_cleanly(live, tmp_path):
    question = caller_line(live, tmp_path, "What are your opening hours?", "hours")
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentSaidEvent))
    mark = len(live.events.items)
    peer.send(cmd="play", wav=str(question))
    live.events.wait_for(on_call(call_id, AgentStateEvent, state=AgentState.SPEAKING), after=mark)
    time.sleep(0.3)
    peer.send(cmd="hangup")
    live.events.wait_for(on_call(call_id, AgentStateEvent, state=AgentState.ENDED), timeout=10)
    peer.stop()
    assert call_id not in live.service.sessions
    assert live.service.agent.active_calls() == []
    latency = [e for e in live.events.items if isinstance(e, TurnLatencyEvent) and e.call_id == call_id]
    assert len(latency) <= 1
    call = live.last_call()
    assert call["outcome"] == "caller_hung_up" and call["ended_at"]


def test_partial_transcripts_are_reported_as_the_caller_speaks(live, tmp_path, monkeypatch):
    from appliance.voice.events import TranscriptEvent

    stt = live.service.hub.stt
    monkeypatch.setattr(getattr(stt, "primary", stt), "partial_interval_s", 1.0)  # `[stt] partial_interval_s`
    line = caller_line(live, tmp_path, "I would like to know where the clinic is located please.", "where")
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentSaidEvent))
    peer.send(cmd="play", wav=str(line))
    final = live.events.wait_for(on_call(call_id, TranscriptEvent, final=True), timeout=15)
    partials = [e for e in live.events.items if isinstance(e, TranscriptEvent) and e.call_id == call_id
                and not e.final]
    assert partials and partials[0].at < final.at and len(partials[0].text) <= len(final.text) + 5
    assert word_error_rate("I would like to know where the clinic is located please.", final.text) <= 0.3
    reply = live.events.wait_for(lambda e: isinstance(e, AgentSaidEvent) and e.call_id == call_id
                                 and "Mill Street" in e.text, timeout=15)
    assert not reply.interrupted
    peer.send(cmd="hangup")
    peer.stop()
    assert np.isfinite(final.confidence)


def test_a_recorded_call_gives_the_notice_then_keeps_both_voices_in_a_stereo_file(live, tmp_path):
    import wave
    from dataclasses import replace

    from appliance.dialogue import wording

    config = live.service.config
    live.service.config = replace(config, crm=replace(config.crm, record_calls=True))
    live.service.agent.record = True
    try:
        result = live.run(run_script(live.service, ["What are your opening hours?"], tmp_path))
    finally:
        live.service.config, live.service.agent.record = config, False
    assert wording.RECORDING_NOTICE in result.transcript[0][1]
    received = read_wav(next(tmp_path.glob("caller*/call*-received.wav")))
    greeting_end = speech_segments(received, min_gap_s=1.5)[0][1]  # the caller spoke after it
    greeting = received[:int(greeting_end * 16000) * 2]

    def transcribe() -> str:
        stream = live.service.hub.stt.stream()
        stream.feed(greeting)
        return stream.finish().text
    heard = live.run(live.service.hub.run("stt", transcribe, timeout=60)).lower()
    assert "automated assistant" in heard and "record" in heard and "decline" in heard, heard  # the caller heard it
    row = live.last_call()
    assert row["recording_path"] and result.transcript
    with wave.open(row["recording_path"], "rb") as wav:
        assert wav.getnchannels() == 2 and wav.getframerate() == 16000
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    caller, agent = (np.abs(frames[:, i]).astype(float).mean() for i in (0, 1))
    assert caller > 50 and agent > 50, "both the caller's and the agent's voices are in the file"
    assert len(frames) / 16000 < len(received) / 32000 - 5, "the greeting and its notice come before the recording"
