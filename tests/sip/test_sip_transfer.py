"""Handover to a staff phone through Kamailio: blind, attended, busy, no answer, REFER refused."""

from __future__ import annotations

import gc
import time

import pytest

from appliance.audio import level_dbfs, read_wav
from appliance.sip.calls import SipCall
from appliance.sip.events import RegistrationEvent, RegistrationState
from appliance.voice.events import CallEndedEvent, TransferEvent, TransferState
from tests.sip.conftest import USERS

pytestmark = pytest.mark.slow

CONTEXT = {"reason": "caller asked for a person", "summary": "Maria Lopez, verified, wants to move Tuesday's cleaning"}


def transfer_event(agent, state, timeout=15):
    return agent.events.wait_for(lambda e: isinstance(e, TransferEvent) and e.state == state, timeout)


@pytest.fixture()
def lab(kamailio, agent_config, make_agent, make_peer, caller_wav):
    """A registered agent, a caller in a call with it, and a way to make a staff phone."""
    agent = make_agent(agent_config)
    agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent) and e.state == RegistrationState.REGISTERED)

    def staff(*args: str):
        phone = make_peer("--register", f"staff:{USERS['staff']}@{kamailio.address}", *args, name="staff")
        phone.wait("registered")
        return phone

    caller = make_peer("--play", str(caller_wav), name="caller")
    caller.send(cmd="call", uri=f"sip:agent@{kamailio.address}")
    caller.wait("answered")
    leg = agent.legs.wait_for(lambda leg: True)
    return agent, caller, leg, staff, f"sip:staff@{kamailio.address}"


def assert_caller_still_hears_the_agent(caller, leg, agent_speech):
    mark = len(caller.events.items)
    leg.write(agent_speech)
    time.sleep(2.5)
    caller.send(cmd="hangup")
    ended = caller.events.wait_for(lambda e: e.get("event") == "ended" and e.get("call") == 1, after=mark)
    tail = read_wav(ended["received"])[-16000 * 2 * 3:]
    assert level_dbfs(tail) > -40, "after the failed transfer the caller hears the agent, not silence"


def test_blind_transfer_lands_on_staff_with_the_context_header(lab):
    agent, caller, leg, staff, target = lab
    phone = staff()
    leg.transfer(target, CONTEXT, mode="blind")
    assert caller.wait("transfer_request")["target"].startswith(f"<{target}?X-Handover-Reason=")
    incoming = phone.wait("incoming")
    assert incoming["headers"]["x-handover-reason"] == CONTEXT["reason"]
    assert incoming["headers"]["x-handover-summary"] == CONTEXT["summary"]
    done = transfer_event(agent, TransferState.SUCCEEDED)
    assert done.mode == "blind" and done.code == 200
    agent.events.wait_for(lambda e: isinstance(e, CallEndedEvent) and e.hung_up_by == "transfer")
    phone.wait("answered")


def test_attended_transfer_briefs_staff_then_connects_the_caller(lab, agent_speech):
    agent, caller, leg, staff, target = lab
    phone = staff()
    leg.transfer(target, CONTEXT, mode="attended", announce=agent_speech)
    consult = phone.wait("incoming")
    assert consult["headers"]["x-handover-summary"] == CONTEXT["summary"]
    transfer_event(agent, TransferState.ANSWERED)
    done = transfer_event(agent, TransferState.SUCCEEDED, timeout=20)
    assert done.mode == "attended"
    phone.wait("replaced", timeout=10)
    caller.wait("answered", timeout=10)  # the caller's new call, now with staff
    ended = phone.wait("ended", call=1)  # the consultation call, replaced
    assert level_dbfs(read_wav(ended["received"])) > -40, "staff heard the announcement"


@pytest.mark.parametrize("mode", ["blind", "attended"])
def test_busy_staff_returns_the_caller_to_the_agent(lab, mode, agent_speech):
    agent, caller, leg, staff, target = lab
    staff("--mode", "busy")
    leg.transfer(target, CONTEXT, mode=mode)
    event = transfer_event(agent, TransferState.BUSY)
    assert event.code == 486
    assert not leg.ended.is_set()
    assert_caller_still_hears_the_agent(caller, leg, agent_speech)


def test_unanswered_staff_phone_times_out_back_to_the_agent(lab, agent_speech):
    agent, caller, leg, staff, target = lab
    phone = staff("--mode", "no-answer")
    leg.transfer(target, CONTEXT, mode="attended", ring_timeout_s=3)
    transfer_event(agent, TransferState.RINGING)
    event = transfer_event(agent, TransferState.NO_ANSWER)
    assert event.code == 408
    phone.wait("ended")  # the consultation call was cancelled
    assert not leg.ended.is_set()
    assert_caller_still_hears_the_agent(caller, leg, agent_speech)


def test_unregistered_staff_fails_cleanly(lab, agent_speech, kamailio):
    agent, caller, leg, staff, target = lab
    leg.transfer(f"sip:nobody-registered@{kamailio.address}", CONTEXT, mode="attended")
    event = transfer_event(agent, TransferState.FAILED)
    assert event.code == 404
    assert_caller_still_hears_the_agent(caller, leg, agent_speech)


def test_caller_that_refuses_refer_is_bridged_by_the_agent(kamailio, agent_config, make_agent,
                                                           make_peer, caller_wav):
    agent = make_agent(agent_config)
    agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent) and e.state == RegistrationState.REGISTERED)
    phone = make_peer("--register", f"staff:{USERS['staff']}@{kamailio.address}", name="staff")
    phone.wait("registered")
    caller = make_peer("--play", str(caller_wav), "--refuse-refer", name="caller")
    caller.send(cmd="call", uri=f"sip:agent@{kamailio.address}")
    caller.wait("answered")
    leg = agent.legs.wait_for(lambda leg: True)
    leg.transfer(f"sip:staff@{kamailio.address}", CONTEXT, mode="attended")
    done = transfer_event(agent, TransferState.SUCCEEDED, timeout=20)
    assert "bridged" in done.reason
    time.sleep(3)
    phone.send(cmd="hangup")
    ended = phone.wait("ended")
    assert level_dbfs(read_wav(ended["received"])[16000 * 2:]) > -40, "staff heard the caller"
    caller.wait("ended", timeout=10)  # staff hung up: the agent ends the caller's side too
    time.sleep(1)  # the SIP thread lets ended calls go
    kept = list(agent.agent._calls.values())
    stray = [o for o in gc.get_objects() if isinstance(o, SipCall) and not any(o is k for k in kept)]
    assert not stray, "ended Calls must be freed at once on the SIP thread, not later by the cyclic collector"
