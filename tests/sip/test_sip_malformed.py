"""SIPp sends malformed and truncated SIP at the agent during a call: nothing breaks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from appliance.sip.events import CallStartedEvent, DtmfEvent
from tests.sip.lab import free_port

pytestmark = pytest.mark.slow

MESSAGES = [
    # truncated INVITE: headers cut mid-line, no blank line, no body
    "INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n"
    "From: <sip:sipp@[local_ip]>;tag=[call_number]\r\nTo: <sip:agent@[remote_ip]",
    # Content-Length far beyond the body
    "INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n"
    "From: <sip:sipp@[local_ip]>;tag=[call_number]a\r\nTo: <sip:agent@[remote_ip]>\r\n"
    "Call-ID: bad-length-[call_id]\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
    "Contact: <sip:sipp@[local_ip]:[local_port]>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: 99999\r\n\r\nv=0\r\n",
    # no CSeq, no Call-ID, a header without a colon
    "OPTIONS sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n"
    "this is not a header\r\nFrom: <sip:sipp@[local_ip]>;tag=x\r\nContent-Length: 0\r\n\r\n",
    # a response nobody asked for
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n\r\n",
    # a BYE for a dialog that does not exist
    "BYE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n"
    "From: <sip:sipp@[local_ip]>;tag=zz\r\nTo: <sip:agent@[remote_ip]>;tag=nope\r\n"
    "Call-ID: no-such-call\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    # oversized header
    "INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\nX-Big: " + "A" * 20000 + "\r\n\r\n",
]


RAW_JUNK = [b"", b"\x00\xff" * 700, b"REGISTER\r\n\r\n", b"INVITE sip:", b"SIP/2.0 2OO OK\r\n\r\n",
            b"INVITE sip:a@b SIP/2.0\r\n" + b"Via: x\r\n" * 3000]


def scenario() -> str:
    sends = "\n".join(f"  <send><![CDATA[\n{m}\n]]></send>\n  <pause milliseconds=\"50\"/>" for m in MESSAGES)
    return f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="malformed">\n{sends}\n</scenario>\n'


def test_malformed_and_truncated_sip_does_not_disturb_a_call(agent_config, make_agent, make_peer,
                                                              caller_wav, tmp_path):
    agent = make_agent(agent_config, register=False, allow_any_source=True)
    caller = make_peer("--play", str(caller_wav), name="caller")
    caller.send(cmd="call", uri=agent.agent.local_uri)
    caller.wait("answered")
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    path = tmp_path / "malformed.xml"
    path.write_text(scenario())
    sipp = shutil.which("sipp") or "/usr/bin/sipp"
    for _ in range(3):
        proc = subprocess.run([sipp, "-sf", str(path), "-m", "1", "-i", "127.0.0.1",
                               "-p", str(free_port()), "-timeout", "10s", "-nostdin",
                               f"127.0.0.1:{agent_config.port}"],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:  # what SIPp refuses to send
        for junk in RAW_JUNK:
            raw.sendto(junk, ("127.0.0.1", agent_config.port))
    frames_before = len(agent.received[started.call_id])
    caller.send(cmd="dtmf", digits="5", method="rfc4733")
    agent.events.wait_for(lambda e: isinstance(e, DtmfEvent) and e.digit == "5")
    time.sleep(1)
    assert len(agent.received[started.call_id]) > frames_before + 30, "audio still flows"
    assert [leg.call_id for leg in agent.agent.active_calls()] == [started.call_id]
    second = make_peer(name="second")
    second.send(cmd="call", uri=agent.agent.local_uri)
    second.wait("answered")
