"""Trunk checks with a temporary SIP agent on a free port: does the registration work, does the
staff phone ring. The temporary agent refuses every incoming call, so a real call forked to it
while a check runs still reaches the service."""

from __future__ import annotations

import queue
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from appliance.config import SipConfig
from appliance.setup.explain import call_result, registration_result
from appliance.setup.result import CheckResult
from appliance.sip.acl import host_of
from appliance.sip.agent import SipAgent
from appliance.sip.endpoint import SipError
from appliance.sip.events import RegistrationEvent, RegistrationState
from appliance.sip.ports import free_port
from appliance.voice.events import CallEndedEvent, CallStartedEvent, Event

REGISTER_TIMEOUT_S = 15.0
NO_CALLS_FROM = ["192.0.2.1"]  # TEST-NET-1, never a real source: incoming calls are refused


def check_registration(sip: SipConfig, timeout_s: float = REGISTER_TIMEOUT_S) -> CheckResult:
    """Register with `sip`'s trunk from a temporary agent; say whether it worked and, if not, why."""
    if not (sip.registrar and sip.user):
        return CheckResult(False, "fill in the registrar and the user name first")
    problem = _unresolvable(sip.registrar)
    if problem is not None:
        return problem
    try:
        with _temporary_agent(sip, register=True) as (_, events):
            return registration_result(sip, _registration(events, timeout_s), timeout_s)
    except SipError as exc:
        return CheckResult(False, exc.args[0])


def test_call(sip: SipConfig, uri: str, timeout_s: float = 25.0) -> CheckResult:
    """Call `uri` (the staff phone) from a temporary agent, registered to the trunk when `sip.register`,
    else straight over the network; report answered, busy, no answer or refused, then hang up."""
    if not uri.startswith(("sip:", "sips:")):
        return CheckResult(False, f"{uri!r} is not a SIP address (like sip:frontdesk@pbx.clinic.local)")
    problem = _unresolvable(sip.registrar) if sip.register else None
    if problem is not None:
        return problem
    try:
        with _temporary_agent(sip, register=sip.register) as (agent, events):
            if sip.register:
                registered = registration_result(sip, _registration(events, REGISTER_TIMEOUT_S), REGISTER_TIMEOUT_S)
                if not registered.ok:
                    return replace(registered, message=f"no test call: {registered.message}")
            return _ring(agent, events, uri, timeout_s)
    except SipError as exc:
        return CheckResult(False, exc.args[0])


@contextmanager
def _temporary_agent(sip: SipConfig, register: bool) -> Iterator[tuple[SipAgent, queue.SimpleQueue[Event]]]:
    """A started agent like `sip`'s on free ports, its events in a queue; stopped on leaving."""
    config = replace(sip, register=register, port=free_port(), rtp_port=free_port(),
                     allowed_sources=NO_CALLS_FROM, allow_any_source=False)
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()
    agent = SipAgent(config, on_event=events.put)
    agent.start()
    try:
        yield agent, events
    finally:
        agent.stop()


def _unresolvable(registrar: str) -> CheckResult | None:
    """A result saying the registrar's name cannot be found; None when it can."""
    host = host_of(registrar)
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        return CheckResult(False, f"cannot find {host} - check the registrar's name and this box's DNS settings",
                           str(exc))
    return None


def _next(events: queue.SimpleQueue[Event], deadline: float) -> Event | None:
    """The next event before `deadline` (monotonic); None when time is up."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    try:
        return events.get(timeout=left)
    except queue.Empty:
        return None


def _registration(events: queue.SimpleQueue[Event], timeout_s: float) -> RegistrationEvent | None:
    """The first REGISTER success or failure; None when none came in `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (event := _next(events, deadline)) is not None:
        if isinstance(event, RegistrationEvent) and event.state in (RegistrationState.REGISTERED,
                                                                    RegistrationState.FAILED):
            return event
    return None


def _ring(agent: SipAgent, events: queue.SimpleQueue[Event], uri: str, timeout_s: float) -> CheckResult:
    """Call `uri`, wait for the answer or the end, hang up."""
    leg = agent.call(uri)
    started = time.monotonic()
    deadline = started + timeout_s
    while (event := _next(events, deadline)) is not None:
        if getattr(event, "call_id", None) != leg.call_id:
            continue
        if isinstance(event, CallStartedEvent):
            leg.hangup()
            leg.ended.wait(5)
            return call_result(uri, 200, "OK", time.monotonic() - started)
        if isinstance(event, CallEndedEvent):
            return call_result(uri, event.code, event.reason, time.monotonic() - started)
    leg.hangup()
    leg.ended.wait(5)
    return call_result(uri, 0, "", timeout_s)
