"""TLS signalling and SRTP audio between real pjsua2 endpoints on 127.0.0.1, with a throwaway CA."""

from __future__ import annotations


import pytest

from appliance.config import SipConfig
from appliance.sip.endpoint import SipError
from appliance.voice.events import CallStartedEvent
from tests.sip.certs import make_test_certs
from tests.sip.lab import check_srtp_call, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_test_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture()
def tls_config(certs) -> SipConfig:
    """The agent listening for TLS only, with mandatory SRTP, no registration."""
    return SipConfig(register=False, transport="tls", srtp="mandatory", bind_address="127.0.0.1",
                     port=free_port(), rtp_port=free_port(), allow_any_source=True,
                     tls_cert=str(certs.cert), tls_key=str(certs.key), tls_ca=str(certs.ca))


def tls_phone(make_peer, certs, *args: str, name: str):
    """A peer phone that speaks TLS and checks the agent's certificate against the test CA."""
    return make_peer("--transport", "tls", "--tls-ca", str(certs.ca), "--tls-verify-server", *args, name=name)


def test_tls_call_with_mandatory_srtp_carries_audio_both_ways(tls_config, certs, make_agent, make_peer, caller_wav):
    agent = make_agent(tls_config)
    assert agent.agent.local_uri.endswith(";transport=tls")
    caller = tls_phone(make_peer, certs, "--srtp", "mandatory", "--play", str(caller_wav), name="tls-caller")
    caller.send(cmd="call", uri=agent.agent.local_uri)
    caller.wait("answered")
    check_srtp_call(agent, caller)


def test_mandatory_srtp_refuses_a_caller_offering_plain_rtp(tls_config, certs, make_agent, make_peer):
    agent = make_agent(tls_config)
    plain = tls_phone(make_peer, certs, "--srtp", "off", name="plain")
    plain.send(cmd="call", uri=agent.agent.local_uri)
    assert plain.wait("ended")["code"] == 488
    assert not agent.events.of(CallStartedEvent)


def test_a_caller_that_does_not_trust_the_certificate_never_gets_through(tls_config, make_agent, make_peer,
                                                                         tmp_path):
    agent = make_agent(tls_config)
    stranger_ca = make_test_certs(tmp_path / "other-ca").ca  # a CA that did not sign the agent's certificate
    wary = make_peer("--transport", "tls", "--tls-ca", str(stranger_ca), "--tls-verify-server",
                     "--srtp", "mandatory", name="wary")
    wary.send(cmd="call", uri=agent.agent.local_uri)
    ended = wary.wait("ended")
    assert ended["code"] == 503 and "certificate verification" in ended["reason"]
    assert not agent.events.of(CallStartedEvent)


def test_a_bad_certificate_stops_the_start_with_its_name_and_the_next_start_works(tls_config, certs,
                                                                                  make_agent, tmp_path):
    garbage = tmp_path / "not-a-cert.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(SipError, match=f"the TLS certificate {garbage} with the key {certs.key} cannot be used"):
        make_agent(tls_config, tls_cert=str(garbage))
    with pytest.raises(SipError, match="key values mismatch"):
        make_agent(tls_config, tls_key=str(certs.ca.with_name("ca.key")))
    assert make_agent(tls_config).agent.active_calls() == []  # pjsua2 was let go: a new stack starts
