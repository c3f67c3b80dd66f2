"""The control channel: wire format, the live-call view from events, and the server's
handling of good, bad and hostile clients (on a real Unix socket)."""

from __future__ import annotations

import json
import socket
import stat
import time
from dataclasses import replace

import pytest

from appliance.cli import main
from appliance.config import Config, PathsConfig
from appliance.control.client import ControlClient, ControlError
from appliance.control.live import DESK_TAKE_OVER, LiveCalls
from appliance.control.protocol import MAX_LINE, event_message, socket_path
from appliance.sip.events import RegistrationEvent, RegistrationState
from appliance.voice.events import (
    AgentSaidEvent,
    AgentState,
    AgentStateEvent,
    CallCardEvent,
    CallEndedEvent,
    CallStartedEvent,
    HandoverEvent,
    TranscriptEvent,
    TransferEvent,
    TransferState,
    TurnLatencyEvent,
)
from tests.control_service import ServiceOnLoop


def test_events_become_tagged_json_with_wall_clock_times():
    message = event_message(AgentStateEvent(call_id="c1", state=AgentState.SPEAKING))
    assert message["type"] == "AgentState" and message["state"] == "speaking"
    assert abs(message["at"] - time.time()) < 1
    json.dumps(message)


def test_live_calls_follow_a_call_from_start_to_end():
    live = LiveCalls()
    for event in (CallStartedEvent(call_id="c1", direction="inbound", caller_number="+15551234567",
                                   caller_name="", remote_uri="<sip:x@y>"),
                  TranscriptEvent(call_id="c1", text="I'd like", confidence=0.5, final=False),
                  TranscriptEvent(call_id="c1", text="I'd like to book", confidence=0.9, final=True),
                  AgentSaidEvent(call_id="c1", text="Sure.", interrupted=True),
                  TurnLatencyEvent(call_id="c1", turn=1, stages_ms={"first_frame_out": 640.0})):
        live.apply(event_message(event))
    call = live.calls["c1"]
    assert call.partial == "" and [t["speaker"] for t in call.transcript] == ["caller", "agent"]
    assert call.transcript[1]["interrupted"] and call.latencies_ms == [640.0]
    copy = LiveCalls()
    copy.load(live.snapshot())
    assert copy.calls["c1"] == call
    live.apply(event_message(CallEndedEvent(call_id="c1", code=200, reason="", hung_up_by="remote")))
    assert live.calls == {}
    live.apply(event_message(RegistrationEvent(state=RegistrationState.FAILED, code=403, reason="Forbidden")))
    assert live.registration["state"] == "failed" and live.registration["code"] == 403


def test_the_card_fills_in_and_a_call_that_needs_a_person_is_marked_but_not_the_desks_own_hand_over():
    live = LiveCalls()
    for call_id in ("c1", "c2", "c3"):
        live.apply(event_message(CallStartedEvent(call_id=call_id, direction="inbound", caller_number="+15551234567",
                                                  caller_name="", remote_uri="<sip:x@y>")))
    live.apply(event_message(CallCardEvent(call_id="c1", fields={"wants": "book an appointment"})))
    assert live.calls["c1"].card == {"wants": "book an appointment"} and not live.calls["c1"].attention
    live.apply(event_message(HandoverEvent(call_id="c1", reason="possible emergency", summary="s", target="t")))
    live.apply(event_message(HandoverEvent(call_id="c2", reason=DESK_TAKE_OVER, summary="s", target="t")))
    live.apply(event_message(TransferEvent(call_id="c3", state=TransferState.NO_ANSWER, mode="blind", target="t")))
    assert live.calls["c1"].attention == "Handed over: possible emergency"
    assert live.calls["c2"].attention == ""  # the front desk asked for it
    assert live.calls["c3"].attention == "Nobody took the transfer (no answer)"
    copy = LiveCalls()
    copy.load(live.snapshot())  # a window that connects mid-call sees the same
    assert copy.calls == live.calls


@pytest.fixture()
def served(tmp_path):
    service = ServiceOnLoop(tmp_path)
    yield service
    service.close()


def raw_client(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(path))
    sock.settimeout(5)
    return sock, sock.makefile("rb")


def test_socket_is_private_to_the_service_user_and_group(served):
    mode = stat.S_IMODE(socket_path(served.service.config).stat().st_mode)
    assert mode == 0o660


def test_snapshot_then_events_then_replies(served):
    sock, lines = raw_client(socket_path(served.service.config))
    snapshot = json.loads(lines.readline())
    assert snapshot["type"] == "Snapshot" and snapshot["calls"] == [] and snapshot["transfer"]["staff"]
    served.publish(CallStartedEvent(call_id="c9", direction="inbound", caller_number="+15551234567",
                                    caller_name="", remote_uri="<sip:x@y>"))
    started = json.loads(lines.readline())
    assert started["type"] == "CallStarted" and started["contact"] == "Maria Lopez"
    sock.sendall(b'{"id": 7, "cmd": "status"}\n')
    reply = json.loads(lines.readline())
    assert reply["id"] == 7 and reply["ok"] and reply["result"]["calls"][0]["contact"] == "Maria Lopez"


def test_bad_input_gets_a_clear_error_and_the_connection_survives(served):
    sock, lines = raw_client(socket_path(served.service.config))
    lines.readline()
    sock.sendall(b"this is not json\n[1, 2]\n")
    assert "not a JSON object" in json.loads(lines.readline())["error"]
    assert "not a JSON object" in json.loads(lines.readline())["error"]
    sock.sendall(b'{"id": 1, "cmd": "reboot"}\n{"id": 2, "cmd": "transfer", "call_id": "c404"}\n')
    assert "unknown command" in json.loads(lines.readline())["error"]
    assert "no call 'c404'" in json.loads(lines.readline())["error"]
    sock.sendall(b'{"id": 3, "cmd": "status"}\n')
    assert json.loads(lines.readline())["ok"]


def test_an_endless_line_is_refused_and_the_client_dropped(served):
    sock, lines = raw_client(socket_path(served.service.config))
    lines.readline()
    try:
        sock.sendall(b"x" * (MAX_LINE + 10))
    except OSError:
        pass
    assert "too long" in json.loads(lines.readline())["error"]
    assert lines.readline() == b""  # closed
    other, other_lines = raw_client(socket_path(served.service.config))
    assert json.loads(other_lines.readline())["type"] == "Snapshot"  # others unaffected


def test_client_waits_for_the_service_and_reconnects(tmp_path):
    config = replace(Config(), paths=PathsConfig(data=tmp_path))
    states, messages = [], []
    client = ControlClient(socket_path(config), messages.append, lambda up, detail: states.append((up, detail)),
                           retry_s=0.1)
    client.start()
    try:
        deadline = time.monotonic() + 5
        while not states and time.monotonic() < deadline:
            time.sleep(0.05)
        assert states[0][0] is False and "no answer at" in states[0][1]
        with pytest.raises(ControlError):
            client.call("status")
        service = ServiceOnLoop(tmp_path)
        try:
            while not client.connected and time.monotonic() < deadline:
                time.sleep(0.05)
            assert client.call("status")["clinic"] == config.clinic.name
        finally:
            service.close()
        went_away = (False, "the service went away; reconnecting")
        while went_away not in states and time.monotonic() < deadline + 5:  # told after `connected` drops
            time.sleep(0.05)
        assert went_away in states and not client.connected
    finally:
        client.stop()


def test_status_command_reports_or_says_the_service_is_away(served, tmp_path, capsys):
    conf = tmp_path / "appliance.toml"
    conf.write_text(f'[paths]\ndata = "{tmp_path}"\n')
    assert main(["--config", str(conf), "status"]) == 0
    assert "calls now:     0" in capsys.readouterr().out
    away = tmp_path / "away.toml"
    away.write_text(f'[paths]\ndata = "{tmp_path / "nowhere"}"\n')
    assert main(["--config", str(away), "status", "--timeout", "0.5"]) == 2
    assert "not reachable" in capsys.readouterr().err


def test_a_call_start_carries_what_the_window_shows_and_not_the_sip_detail(served):
    sock, lines = raw_client(socket_path(served.service.config))
    lines.readline()
    served.publish(CallStartedEvent(call_id="c5", direction="inbound", caller_number="+15551234567",
                                    caller_name="Maria", remote_uri="<sip:+15551234567@trunk>",
                                    headers={"p-asserted-identity": "<sip:+15551234567@trunk>"}))
    started = json.loads(lines.readline())
    shown = {"caller_number": "+15551234567", "caller_name": "Maria", "contact": "Maria Lopez"}
    assert shown.items() <= started.items()
    assert "headers" not in started and "remote_uri" not in started
