"""Real pjsua2 endpoints and Kamailio on 127.0.0.1: registration, calls, audio, DTMF, limits."""

from __future__ import annotations

import time

import numpy as np
import pytest

from appliance.audio import level_dbfs, read_wav, to_float
from appliance.config.telephony import MAX_SIP_CALLS
from appliance.sip.events import CallRejectedEvent, RegistrationEvent, RegistrationState
from appliance.voice.events import CallEndedEvent, CallStartedEvent, DtmfEvent
from tests.sip.conftest import LegListener

pytestmark = pytest.mark.slow


def registered(agent, after: int = 0, timeout: float = 10):
    return agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent)
                                 and e.state == RegistrationState.REGISTERED, timeout, after)


def call_agent(peer, kamailio, **headers):
    peer.send(cmd="call", uri=f"sip:agent@{kamailio.address}", headers=headers)
    return peer.wait("answered")


def speech_level(path) -> float:
    pcm = read_wav(path)
    return level_dbfs(pcm)


def test_registers_with_the_right_password(kamailio, agent_config, make_agent):
    agent = make_agent(agent_config)
    event = registered(agent)
    assert event.code == 200


def test_wrong_password_fails_with_the_sip_code_and_retries(kamailio, agent_config, make_agent):
    agent = make_agent(agent_config, password="wrong")
    failed = agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent)
                                   and e.state == RegistrationState.FAILED)
    assert failed.code in (401, 403)
    retry = agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent)
                                  and e.state == RegistrationState.RETRYING)
    assert 0 < retry.retry_in_s <= 2.0
    agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent) and e.state == RegistrationState.FAILED,
                          after=agent.events.items.index(retry) + 1), "it tried again"
    assert not any(e.state == RegistrationState.REGISTERED for e in agent.events.of(RegistrationEvent))


def test_answers_streams_audio_both_ways_and_reads_caller_id(kamailio, agent_config, make_agent,
                                                             make_peer, caller_wav):
    agent = make_agent(agent_config)
    registered(agent)
    caller = make_peer("--play", str(caller_wav), name="caller")
    call_agent(caller, kamailio, **{"P-Asserted-Identity": "<sip:+15551234567@127.0.0.1>"})
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    assert started.caller_number == "+15551234567" and started.direction == "inbound"
    time.sleep(3.5)
    caller.send(cmd="hangup")
    ended = caller.wait("ended")
    agent.events.wait_for(lambda e: isinstance(e, CallEndedEvent) and e.hung_up_by == "remote")
    assert speech_level(ended["received"]) > -40, "the caller heard the agent"
    heard = b"".join(agent.received[started.call_id])
    assert level_dbfs(heard) > -40, "the agent heard the caller"


def test_dtmf_rfc4733_and_sip_info(kamailio, agent_config, make_agent, make_peer):
    agent = make_agent(agent_config)
    registered(agent)
    caller = make_peer(name="caller")
    call_agent(caller, kamailio)
    caller.send(cmd="dtmf", digits="0", method="rfc4733")
    caller.send(cmd="dtmf", digits="#", method="info")
    agent.events.wait_for(lambda e: isinstance(e, DtmfEvent) and e.digit == "0" and e.method == "rfc4733")
    agent.events.wait_for(lambda e: isinstance(e, DtmfEvent) and e.digit == "#" and e.method == "info")


def test_the_agent_hangs_up(kamailio, agent_config, make_agent, make_peer):
    agent = make_agent(agent_config)
    registered(agent)
    caller = make_peer(name="caller")
    call_agent(caller, kamailio)
    leg = agent.legs.wait_for(lambda leg: True)
    leg.hangup()
    caller.wait("ended")
    agent.events.wait_for(lambda e: isinstance(e, CallEndedEvent) and e.hung_up_by == "local")
    assert leg.ended.is_set() and agent.agent.active_calls() == []


def test_sequential_calls_reuse_one_audio_port(kamailio, agent_config, make_agent, make_peer, caller_wav):
    # a port is never freed while the audio clock runs (that crashed the process): it is reused
    agent = make_agent(agent_config)
    registered(agent)
    for number in range(3):
        caller = make_peer("--play", str(caller_wav), name=f"caller{number}")
        call_agent(caller, kamailio)
        leg = agent.legs.wait_for(lambda leg: not leg.ended.is_set())
        time.sleep(0.5)
        assert len(agent.received[leg.call_id]) > 5, "audio flows on the reused port"
        caller.send(cmd="hangup")
        caller.wait("ended")
        assert leg.ended.wait(5)
    assert len(agent.agent.ports) == 1


def test_busy_beyond_the_call_limit(kamailio, agent_config, make_agent, make_peer):
    agent = make_agent(agent_config, max_calls=1)
    registered(agent)
    first, second = make_peer(name="first"), make_peer(name="second")
    call_agent(first, kamailio)
    second.send(cmd="call", uri=f"sip:agent@{kamailio.address}")
    assert second.wait("ended")["code"] == 486
    rejected = agent.events.wait_for(lambda e: isinstance(e, CallRejectedEvent))
    assert rejected.code == 486
    assert len(agent.agent.active_calls()) == 1


def test_as_many_calls_at_once_as_the_sip_stack_takes(kamailio, agent_config, make_agent, make_peer):
    agent = make_agent(agent_config, max_calls=MAX_SIP_CALLS)
    registered(agent)
    for number in range(MAX_SIP_CALLS):
        call_agent(make_peer(name=f"caller{number}"), kamailio)
    assert len(agent.agent.active_calls()) == MAX_SIP_CALLS
    extra = make_peer(name="extra")
    extra.send(cmd="call", uri=f"sip:agent@{kamailio.address}")
    assert extra.wait("ended")["code"] == 486  # the stack's own limit: one more is refused


def test_forbidden_from_an_address_that_is_not_the_trunk(kamailio, agent_config, make_agent, make_peer):
    agent = make_agent(agent_config)
    registered(agent)
    rogue = make_peer("--bind", "127.0.0.2", name="rogue")
    rogue.send(cmd="call", uri=agent.agent.local_uri)
    assert rogue.wait("ended")["code"] == 403
    rejected = agent.events.wait_for(lambda e: isinstance(e, CallRejectedEvent))
    assert rejected.code == 403 and rejected.source.startswith("127.0.0.2")


def test_reregisters_after_the_registrar_restarts_and_the_call_in_progress_goes_on(
        kamailio, agent_config, make_agent, make_peer, caller_wav):
    agent = make_agent(agent_config, expiry_s=8)
    registered(agent)
    talking = make_peer("--play", str(caller_wav), name="talking")
    call_agent(talking, kamailio)
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    kamailio.stop()
    time.sleep(1)
    during = len(agent.received[started.call_id])
    time.sleep(2)
    assert len(agent.received[started.call_id]) > during + 50, "audio flows while the registrar is away"
    kamailio.start()  # its registrations are gone
    mark = len(agent.events.items)
    registered(agent, after=mark, timeout=20)
    caller = make_peer(name="caller")
    call_agent(caller, kamailio)
    assert started.call_id in [leg.call_id for leg in agent.agent.active_calls()], "the first call survived"
    talking.send(cmd="hangup")
    agent.events.wait_for(lambda e: isinstance(e, CallEndedEvent) and e.call_id == started.call_id)


def test_outbound_call_and_no_registration_mode(agent_config, make_agent, make_peer, caller_wav):
    agent = make_agent(agent_config, register=False, allow_any_source=True)
    phone = make_peer("--play", str(caller_wav), name="phone")
    leg = agent.agent.call(phone.uri, {"X-Purpose": "callback"})
    assert phone.wait("incoming")["headers"]["x-purpose"] == "callback"
    assert leg.answered.wait(5)
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    assert started.direction == "outbound"
    frames = agent.received.setdefault(leg.call_id, [])
    LegListener(leg, agent.loop, frames)
    time.sleep(3)
    assert level_dbfs(b"".join(frames)) > -40
    # a direct call in no-registration mode
    caller = make_peer(name="direct")
    caller.send(cmd="call", uri=agent.agent.local_uri)
    caller.wait("answered")


def test_echo_latency_through_the_bridge(agent_config, make_agent, make_peer, caller_wav):
    """Frame in to frame out inside the agent, and the round trip the caller hears.

    The numbers are printed for the record; the bounds only catch a broken bridge (a queue
    that grows without end), not a slow machine."""
    agent = make_agent(agent_config, register=False, allow_any_source=True)
    agent.speech = b""
    agent.echo = True
    caller = make_peer("--play", str(caller_wav), "--codecs", "G722", name="echo")
    caller.send(cmd="call", uri=agent.agent.local_uri)
    caller.wait("answered")
    time.sleep(4)
    leg = agent.legs.items[-1]
    delays = list(leg.port.out_delays) if leg.port else []
    caller.send(cmd="hangup")
    ended = caller.wait("ended")
    sent, got = to_float(read_wav(ended["sent"])), to_float(read_wav(ended["received"]))
    onset = lambda x: int(np.argmax(np.abs(x) > 0.05))  # noqa: E731
    round_trip_ms = (onset(got) - onset(sent)) / 16
    queue_ms = 1000 * float(np.median(delays))
    agent_end = agent.events.wait_for(lambda e: isinstance(e, CallEndedEvent))
    print(f"\nbridge queue delay median {queue_ms:.1f} ms; caller round trip {round_trip_ms:.0f} ms; jitter "
          f"buffers: agent {agent_end.jitter_ms} ms, caller {ended['jitter_ms']} ms")
    assert queue_ms < 250 and 0 < round_trip_ms < 600
    assert 0 <= agent_end.jitter_ms < 500 and 0 <= ended["jitter_ms"] < 500  # both sides report theirs


@pytest.mark.parametrize("codec", ["PCMU", "PCMA", "G722"])
def test_each_codec_carries_audio_both_ways(agent_config, make_agent, make_peer, caller_wav, codec):
    agent = make_agent(agent_config, register=False, allow_any_source=True)
    caller = make_peer("--play", str(caller_wav), "--codecs", codec, name=f"caller-{codec}")
    caller.send(cmd="call", uri=agent.agent.local_uri)
    caller.wait("answered")
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    time.sleep(3)
    caller.send(cmd="hangup")
    ended = caller.wait("ended")
    assert speech_level(ended["received"]) > -40
    assert level_dbfs(b"".join(agent.received[started.call_id])) > -40


def test_registers_and_takes_calls_over_tcp(kamailio, agent_config, make_agent, make_peer):
    agent = make_agent(agent_config, transport="tcp")
    assert registered(agent).code == 200
    caller = make_peer(name="caller")
    call_agent(caller, kamailio)
    agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
