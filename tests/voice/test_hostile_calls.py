"""Hostile callers over real SIP with the real models: a flood of key presses, a caller who never
pauses, loud noise, garbage packets and digital silence instead of speech. The service stays
up, the call goes on and still answers speech, nothing is booked, and no traceback is logged."""

from __future__ import annotations

import logging
import os
import socket
import struct
import time
from dataclasses import replace

import numpy as np
import pytest

from appliance.audio import read_wav, write_wav
from appliance.config import TransferConfig
from appliance.lab.measure import active_windows
from appliance.lab.peer_client import PeerPhone
from appliance.lab.speech import espeak, silence
from appliance.voice.events import (
    AgentSaidEvent,
    AgentState,
    AgentStateEvent,
    DtmfEvent,
    HandoverEvent,
    TranscriptEvent,
    TransferEvent,
    TransferState,
)
from tests.voice.test_call_loop import caller_line, on_call, start_call

pytestmark = pytest.mark.slow
RUN_ON = ("so I was saying that my tooth has been hurting on the left side ever since last week and my sister "
          "told me to call you because she comes to your clinic and she says the dentists are very nice and I "
          "wanted to ask about an appointment but also about the parking and whether you take my insurance plan "
          "which is the one from my work and also my son needs a check up and my husband too")  # no pause: ~21 s


def of_call(live, call_id: str, kind: type, after: int = 0) -> list:  # noqa: ANN001
    return [e for e in live.events.items[after:] if isinstance(e, kind) and e.call_id == call_id]


def problems(caplog) -> list[str]:  # noqa: ANN001
    """What the service logged as an error or with a traceback."""
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("appliance") and (r.exc_info or r.levelno >= logging.ERROR)]


def hang_up(live, peer, call_id: str) -> dict:  # noqa: ANN001
    """Hang up from the caller's side; the session must end; returns the caller's recordings."""
    peer.send(cmd="hangup")
    ended = peer.wait("ended", timeout=15)
    live.events.wait_for(on_call(call_id, AgentStateEvent, state=AgentState.ENDED), timeout=15)
    peer.stop()
    assert call_id not in live.service.sessions
    return ended


def until_keys_stop(live, call_id: str) -> int:  # noqa: ANN001
    count = -1
    while count != len(of_call(live, call_id, DtmfEvent)):
        count = len(of_call(live, call_id, DtmfEvent))
        time.sleep(2)
    return count


@pytest.fixture()
def front_desk(live, tmp_path):
    """A front-desk phone that rings and is never picked up (4 s ring timeout), open hours or not."""
    staff = PeerPhone("--user", "staff", "--mode", "no-answer", record_dir=tmp_path / "staff")
    config = live.service.config
    live.service.config = replace(config, transfer=TransferConfig(staff_uri=staff.uri, after_hours_uri=staff.uri,
                                                                  ring_timeout_s=4))
    yield staff
    live.service.config = config
    staff.stop()


def rang(staff: PeerPhone) -> int:
    return sum(e.get("event") == "incoming" for e in staff.events.items)


def test_a_key_flood_hands_over_once_and_the_call_goes_on(live, tmp_path, front_desk, caplog):
    caplog.set_level(logging.INFO)
    question = caller_line(live, tmp_path, "What are your opening hours?", "hours")
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=15)
    started = time.monotonic()
    peer.send(cmd="dtmf", digits=("1234567890*#" * 13)[:150], method="info")  # 150 INFO requests at once
    peer.send(cmd="dtmf", digits="0123456789" * 3, method="rfc4733")  # as many as one RTP stream queues
    count = until_keys_stop(live, call_id)
    print(f"\n{count} key presses (27 of them 0) arrived in {time.monotonic() - started - 2:.1f} s")
    assert count >= 150
    live.events.wait_for(lambda e: isinstance(e, AgentSaidEvent) and e.call_id == call_id
                         and "nobody at the front desk" in e.text, timeout=30)  # the one transfer ran its course
    assert len(of_call(live, call_id, HandoverEvent)) == 1 and rang(front_desk) == 1
    assert [e.state for e in of_call(live, call_id, TransferEvent)].count(TransferState.STARTED) == 1
    mark = len(live.events.items)
    peer.send(cmd="play", wav=str(question))
    live.events.wait_for(on_call(call_id, TranscriptEvent, final=True), timeout=20, after=mark)
    live.events.wait_for(on_call(call_id, AgentSaidEvent, interrupted=False), timeout=20, after=mark)
    hang_up(live, peer, call_id)
    record = live.last_call()
    assert record["ended_at"]
    assert live.service.call_log.db.execute("SELECT COUNT(*) FROM handovers WHERE call_id = ?",
                                            [record["id"]]).fetchone()[0] == 1
    assert not problems(caplog)


def test_zero_pressed_while_the_front_desk_rings_is_not_a_second_handover(live, tmp_path, front_desk):
    transfer = live.service.config.transfer
    live.service.config = replace(live.service.config, transfer=replace(transfer, ring_timeout_s=12))
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=15)
    peer.send(cmd="dtmf", digits="0", method="info")
    live.events.wait_for(on_call(call_id, TransferEvent, state=TransferState.RINGING), timeout=20)
    peer.send(cmd="dtmf", digits="000", method="info")  # impatient
    live.events.wait_for(on_call(call_id, TransferEvent, state=TransferState.NO_ANSWER), timeout=30)
    hang_up(live, peer, call_id)
    states = [e.state for e in of_call(live, call_id, TransferEvent)]
    assert len(of_call(live, call_id, HandoverEvent)) == 1 and TransferState.FAILED not in states, states
    assert rang(front_desk) == 1


def test_a_caller_who_never_pauses_is_cut_at_the_maximum_and_answered(live, tmp_path, caplog):
    live.set_voice(max_utterance_s=8.0)
    path = tmp_path / "run-on.wav"
    speech = espeak(RUN_ON, words_per_minute=170)
    talk_s = len(speech) / 32000
    write_wav(path, speech + silence(0.05))
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=15)
    mark = len(live.events.items)
    started = time.monotonic()
    peer.send(cmd="play", wav=str(path))
    first = live.events.wait_for(on_call(call_id, TranscriptEvent, final=True), timeout=20, after=mark)
    assert 7 <= first.at - started <= 12 and len(first.text.split()) >= 10, (first.at - started, first.text)
    answer = live.events.wait_for(lambda e: isinstance(e, AgentSaidEvent) and e.call_id == call_id
                                  and not e.interrupted and e.at - started > talk_s, timeout=talk_s + 15, after=mark)
    finals = [(round(e.at - started, 1), e.text) for e in of_call(live, call_id, TranscriptEvent, mark) if e.final]
    print(f"\n{talk_s:.0f} s without a pause, turns cut at {[t for t, _ in finals]} s, answered at "
          f"{answer.at - started:.1f} s: {answer.text!r}")
    assert len([t for t, _ in finals if t < talk_s]) >= 2, finals
    hang_up(live, peer, call_id)
    assert not problems(caplog)


def udp_ports() -> set[int]:
    """The UDP ports this process (the service under test) has open."""
    sockets = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            sockets.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    with open("/proc/net/udp") as table:
        rows = [line.split() for line in table.read().splitlines()[1:]]
    return {int(row[1].split(":")[1], 16) for row in rows if f"socket:[{row[9]}]" in sockets}


def garbage_packets(rng: np.random.Generator) -> list[bytes]:
    """Random bytes of every size, truncated headers, RTP of a wrong version, and well-formed RTP
    from a stranger (another SSRC, payload types 0..127, sequence numbers all over the place)."""
    packets = [rng.bytes(int(rng.integers(1, 1400))) for _ in range(40)] + [b"\x80", b"\x80\x00\x00"]
    packets += [struct.pack("!BBHII", 0x40, 0, 1, 160, 7) + rng.bytes(160)]
    packets += [struct.pack("!BBHII", 0x80, pt, int(rng.integers(0, 65536)), int(rng.integers(0, 2**32)), 0xBAD)
                + rng.bytes(160) for pt in range(128)]
    return packets


def test_noise_garbage_packets_and_silence_are_not_taken_for_a_request(live, tmp_path, caplog):
    live.set_voice(reprompt_after_s=3.0, max_reprompts=5)
    rng = np.random.default_rng(7)
    noise, quiet = tmp_path / "noise.wav", tmp_path / "silence.wav"
    write_wav(noise, rng.integers(-32768, 32768, 16000 * 6, dtype=np.int16).tobytes())  # full-scale white noise
    write_wav(quiet, silence(5))  # digital silence
    question = caller_line(live, tmp_path, "What are your opening hours?", "hours")
    db = live.service.call_log.db
    tables = ("appointments", "messages", "handovers", "contacts")
    before = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
    ports = udp_ports()
    peer, call_id = start_call(live, tmp_path)
    live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=15)
    media = sorted(udp_ports() - ports)  # the call's RTP and RTCP
    mark = len(live.events.items)
    peer.send(cmd="play", wav=str(noise))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        for _ in range(15):
            for packet in garbage_packets(rng):
                for port in media:
                    stranger.sendto(packet, ("127.0.0.1", port))
            time.sleep(0.2)
    time.sleep(3)
    peer.send(cmd="play", wav=str(quiet))
    time.sleep(6)
    heard = [e.text for e in of_call(live, call_id, TranscriptEvent, mark) if e.final and e.text]
    said = [e.text for e in of_call(live, call_id, AgentSaidEvent, mark)]
    keys = [e.digit for e in of_call(live, call_id, DtmfEvent, mark)]
    print(f"\nmedia ports {media}; heard {heard}; keys {keys}; said {said}")
    assert media and any("still there" in s for s in said)
    assert all(any(p in s for p in ("still there", "didn't catch", "unclear", "didn't understand")) for s in said)
    mark = len(live.events.items)
    peer.send(cmd="play", wav=str(question))
    answer = live.events.wait_for(on_call(call_id, AgentSaidEvent), timeout=20, after=mark)
    assert "Monday to Friday" in answer.text, answer.text
    time.sleep(0.5)
    ended = hang_up(live, peer, call_id)
    received = active_windows(read_wav(ended["received"]))
    assert received[-500:].sum() > 200, "the caller still hears the agent after the garbage"
    assert {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables} == before  # noqa: S608
    assert not problems(caplog)
