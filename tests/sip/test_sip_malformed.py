"""SIPp sends malformed, truncated, oversized and out-of-order SIP at the agent during a call:
nothing breaks, the call in progress goes on, nothing it did not ask for happens."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from appliance.voice.events import (
    CallEndedEvent,
    CallStartedEvent,
    DtmfEvent,
    TransferEvent,
)
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

HEAD = "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\nMax-Forwards: 70\r\n"
SDP = ("Content-Type: application/sdp\r\nContent-Length: [len]\r\n\r\nv=0\r\no=sipp 1 2 IN IP4 [local_ip]\r\n"
       "s=-\r\nc=IN IP4 [local_ip]\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
STRANGER = "From: <sip:sipp@[local_ip]>;tag=s[call_number]\r\nTo: <sip:agent@[remote_ip]>;tag=never-given\r\n"
# the call in progress as an outsider knows it (Call-ID, the caller's From, Via and CSeq taken
# from its INVITE, filled in by the test), with the agent's To tag guessed wrong
LIVE = "Call-ID: LIVE_CALL_ID\r\nFrom: LIVE_FROM\r\nTo: LIVE_TO;tag=guessed\r\n"
DUPLICATE_INVITE = ("INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK-dup-[call_number]\r\n"
                    "From: <sip:sipp@[local_ip]>;tag=d[call_number]\r\nTo: <sip:agent@[remote_ip]>\r\n"
                    "Call-ID: duplicate-[call_id]\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                    "Contact: <sip:sipp@[local_ip]:[local_port]>\r\nRequire: x-no-such-extension\r\n" + SDP)
OUT_OF_ORDER = [
    # an ACK for an INVITE nobody sent
    "ACK sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD + STRANGER
    + "Call-ID: ack-first-[call_id]\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
    # a CANCEL for a transaction that does not exist
    "CANCEL sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD
    + "From: <sip:sipp@[local_ip]>;tag=c[call_number]\r\nTo: <sip:agent@[remote_ip]>\r\n"
    "Call-ID: cancel-nothing-[call_id]\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
    # re-INVITEs in a dialog that does not exist, the second with a lower CSeq
    "INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD + STRANGER
    + "Call-ID: reinvite-[call_id]\r\nCSeq: 10 INVITE\r\nContact: <sip:sipp@[local_ip]:[local_port]>\r\n" + SDP,
    "INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD + STRANGER
    + "Call-ID: reinvite-[call_id]\r\nCSeq: 3 INVITE\r\nContact: <sip:sipp@[local_ip]:[local_port]>\r\n" + SDP,
    # PRACK and UPDATE out of the blue
    "PRACK sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD + STRANGER
    + "Call-ID: prack-[call_id]\r\nCSeq: 2 PRACK\r\nRAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    "UPDATE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD + STRANGER
    + "Call-ID: update-[call_id]\r\nCSeq: 2 UPDATE\r\nContact: <sip:sipp@[local_ip]:[local_port]>\r\n" + SDP,
    "UPDATE sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD
    + "From: <sip:sipp@[local_ip]>;tag=u[call_number]\r\nTo: <sip:agent@[remote_ip]>\r\n"
    "Call-ID: update-nodialog-[call_id]\r\nCSeq: 1 UPDATE\r\nContent-Length: 0\r\n\r\n",
    # an INVITE retransmitted with the same branch (refused for its Require: no call starts),
    # then the ACK of that refusal
    DUPLICATE_INVITE,
    DUPLICATE_INVITE,
    "ACK sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK-dup-[call_number]\r\n"
    "From: <sip:sipp@[local_ip]>;tag=d[call_number]\r\nTo: <sip:agent@[remote_ip]>;tag=any\r\n"
    "Call-ID: duplicate-[call_id]\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    # a REFER out of the blue: the agent must not call anyone
    "REFER sip:agent@[remote_ip]:[remote_port] SIP/2.0\r\n" + HEAD
    + "From: <sip:sipp@[local_ip]>;tag=r[call_number]\r\nTo: <sip:agent@[remote_ip]>\r\n"
    "Call-ID: refer-[call_id]\r\nCSeq: 1 REFER\r\nContact: <sip:sipp@[local_ip]:[local_port]>\r\n"
    "Refer-To: <sip:intruder@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n",
    # aimed at the call in progress: a late CANCEL, a re-INVITE with a lower CSeq, a DTMF INFO,
    # a NOTIFY claiming a transfer succeeded, a REFER and a BYE
    "CANCEL LIVE_URI SIP/2.0\r\nVia: LIVE_VIA\r\nMax-Forwards: 70\r\nCall-ID: LIVE_CALL_ID\r\n"
    "From: LIVE_FROM\r\nTo: LIVE_TO\r\nCSeq: LIVE_CSEQ CANCEL\r\nContent-Length: 0\r\n\r\n",
    "INVITE LIVE_URI SIP/2.0\r\n" + HEAD + LIVE + "CSeq: 0 INVITE\r\nContact: <sip:sipp@[local_ip]:[local_port]>\r\n"
    + SDP,
    "INFO LIVE_URI SIP/2.0\r\n" + HEAD + LIVE + "CSeq: 90 INFO\r\nContent-Type: application/dtmf-relay\r\n"
    "Content-Length: [len]\r\n\r\nSignal=0\r\nDuration=160\r\n",
    "NOTIFY LIVE_URI SIP/2.0\r\n" + HEAD + LIVE + "CSeq: 91 NOTIFY\r\nEvent: refer\r\n"
    "Subscription-State: terminated;reason=noresource\r\nContent-Type: message/sipfrag;version=2.0\r\n"
    "Content-Length: [len]\r\n\r\nSIP/2.0 200 OK\r\n",
    "REFER LIVE_URI SIP/2.0\r\n" + HEAD + LIVE + "CSeq: 92 REFER\r\nContact: <sip:sipp@[local_ip]:[local_port]>\r\n"
    "Refer-To: <sip:intruder@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n",
    "BYE LIVE_URI SIP/2.0\r\n" + HEAD + LIVE + "CSeq: 93 BYE\r\nContent-Length: 0\r\n\r\n",
]


RAW_JUNK = [b"", b"\x00\xff" * 700, b"REGISTER\r\n\r\n", b"INVITE sip:", b"SIP/2.0 2OO OK\r\n\r\n",
            b"INVITE sip:a@b SIP/2.0\r\n" + b"Via: x\r\n" * 3000]


def scenario(messages: list[str] | None = None) -> str:
    sends = "\n".join(f"  <send><![CDATA[\n{m}\n]]></send>\n  <pause milliseconds=\"50\"/>"
                      for m in messages or MESSAGES)
    return f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="malformed">\n{sends}\n</scenario>\n'


def aimed_at(messages: list[str], invite: dict[str, str], agent_uri: str) -> list[str]:
    """`messages` with the LIVE_* placeholders filled in from the call's INVITE headers."""
    live = {"LIVE_CALL_ID": invite["call-id"], "LIVE_FROM": invite["from"], "LIVE_TO": invite["to"],
            "LIVE_VIA": invite["via"], "LIVE_CSEQ": invite["cseq"].split()[0], "LIVE_URI": agent_uri}
    for key in sorted(live, key=len, reverse=True):
        messages = [m.replace(key, live[key]) for m in messages]
    return messages


def test_malformed_and_truncated_sip_does_not_disturb_a_call(agent_config, make_agent, make_peer,
                                                              caller_wav, tmp_path):
    agent = make_agent(agent_config, register=False, allow_any_source=True)
    caller = make_peer("--play", str(caller_wav), name="caller")
    caller.send(cmd="call", uri=agent.agent.local_uri)
    caller.wait("answered")
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    path = tmp_path / "malformed.xml"
    path.write_text(scenario())
    out_of_order = tmp_path / "out-of-order.xml"
    out_of_order.write_text(scenario(aimed_at(OUT_OF_ORDER, started.headers, agent.agent.local_uri)))
    sipp = shutil.which("sipp") or "/usr/bin/sipp"
    for scenario_file in [path] * 3 + [out_of_order] * 2:
        proc = subprocess.run([sipp, "-sf", str(scenario_file), "-m", "1", "-i", "127.0.0.1",
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
    assert [e.digit for e in agent.events.of(DtmfEvent)] == ["5"], "only the caller's own key press"
    assert not agent.events.of(CallEndedEvent) and not agent.events.of(TransferEvent)
    second = make_peer(name="second")
    second.send(cmd="call", uri=agent.agent.local_uri)
    second.wait("answered")
