"""`SipAgent`: the appliance's SIP user agent. Registers, answers, places calls, transfers.

Public methods may be called from any thread; they hand the work to the SIP thread.
Events go to `on_event`, called on the SIP thread: it must return quickly (hand the event
to a queue or an asyncio loop with `call_soon_threadsafe`).
"""

from __future__ import annotations

import gc
import itertools
import logging
from collections.abc import Callable

import pjsua2 as pj

from appliance.config import SipConfig
from appliance.config.telephony import LOOPBACK
from appliance.sip.acl import SourceAcl
from appliance.sip.backoff import Backoff
from appliance.sip.callback import CallbackManager
from appliance.sip.callerid import CallerId, caller_id, parse_headers, parse_name_addr
from appliance.sip.calls import SipCall
from appliance.sip.endpoint import EndpointSettings, SipError, SipThread
from appliance.sip.events import CallRejectedEvent, RegistrationEvent, RegistrationState
from appliance.sip.leg import CallLeg
from appliance.sip.media import PortPool
from appliance.sip.security import TlsFiles, apply_srtp
from appliance.sip.transfer import TransferManager, header_lines
from appliance.voice.events import (
    CallEndedEvent,
    CallProgressEvent,
    CallStartedEvent,
    DtmfEvent,
    Event,
)

log = logging.getLogger(__name__)

EventSink = Callable[[Event], None]


class _Account(pj.Account):
    def __init__(self, agent: SipAgent) -> None:
        super().__init__()
        self.agent = agent

    def onRegState(self, prm: pj.OnRegStateParam) -> None:  # noqa: N802 - pjsua2 API
        self.agent.on_reg_state(prm.code, prm.reason, prm.expiration)

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # noqa: N802
        self.agent.on_incoming(prm)


class SipAgent:
    """The box's SIP endpoint and account."""

    def __init__(self, config: SipConfig, on_event: EventSink | None = None,
                 on_call: Callable[[CallLeg], None] | None = None, record: bool = False) -> None:
        self.config = config
        self.record = record  # keep every call's audio, both ways, for its recording
        self.on_event = on_event or (lambda event: None)
        self.on_call = on_call or (lambda leg: None)
        trunk = [LOOPBACK] if config.tls_edge else [config.registrar] if config.registrar else []
        sources = list(config.allowed_sources) or trunk
        self.acl = SourceAcl(sources, allow_any=config.allow_any_source or not sources)
        self.backoff = Backoff(config.retry_min_s, config.retry_max_s)
        self.registration = RegistrationState.UNREGISTERED
        self.thread = SipThread(
            EndpointSettings(bind_address=LOOPBACK if config.tls_edge else config.bind_address, port=config.port,
                             transport=config.transport, public_address=self.sip_host,
                             codecs=tuple(config.codecs),
                             tls=TlsFiles(config.tls_cert, config.tls_key, config.tls_ca_file,
                                          config.tls_verify_server)),
            self._setup, self._teardown)
        self.transfers = TransferManager(self)
        self.callbacks = CallbackManager(self)
        self._account: _Account | None = None
        self._calls: dict[int, SipCall] = {}
        self._ids = itertools.count(1)
        self.ports = PortPool("call")

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the SIP stack, listen, and register when configured."""
        self.thread.start()

    def stop(self) -> None:
        """Hang up every call, unregister, and stop the SIP stack."""
        self.thread.stop()

    @property
    def sip_host(self) -> str:
        """The address in this box's Contact: 127.0.0.1 behind the local edge (which carries
        the trunk's calls there), else the public or listening address."""
        c = self.config
        return LOOPBACK if c.tls_edge else c.public_address or c.bind_address

    @property
    def local_uri(self) -> str:
        """The SIP URI calls can be sent to directly."""
        c = self.config
        transport = "" if c.transport == "udp" else f";transport={c.transport}"
        return f"sip:{c.user or 'agent'}@{self.sip_host}:{c.port}{transport}"

    def _setup(self, ep: pj.Endpoint) -> None:
        c = self.config
        acfg = pj.AccountConfig()
        host = c.public_address or c.bind_address
        acfg.mediaConfig.transportConfig.port = c.rtp_port
        acfg.mediaConfig.transportConfig.portRange = 1000
        acfg.mediaConfig.transportConfig.boundAddress = c.bind_address
        acfg.mediaConfig.transportConfig.publicAddress = host
        acfg.natConfig.contactRewriteUse = 0
        acfg.natConfig.viaRewriteUse = 0
        acfg.natConfig.sdpNatRewriteUse = 0
        acfg.natConfig.sipOutboundUse = 0
        apply_srtp(acfg.mediaConfig, c.srtp, keys_stay_on_box=c.tls_edge)
        if c.register:
            transport = "" if c.transport == "udp" else f";transport={c.transport}"
            scheme = "sips" if c.transport == "tls" else "sip"
            acfg.idUri = f"{scheme}:{c.user}@{c.registrar}"
            if c.tls_edge:  # every request through the edge, which alone speaks to the trunk (over TLS)
                acfg.sipConfig.proxies.append(f"sip:{LOOPBACK}:{c.edge_port};lr")
            acfg.regConfig.registrarUri = f"{scheme}:{c.registrar}{transport}"
            acfg.regConfig.timeoutSec = c.expiry_s
            acfg.regConfig.retryIntervalSec = 0  # retries are ours, with backoff
            acfg.regConfig.firstRetryIntervalSec = 0
            acfg.regConfig.dropCallsOnFail = False
            acfg.regConfig.registerOnAdd = True
            acfg.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", c.realm, c.auth_user or c.user, 0, c.password))
        else:
            acfg.idUri = self.local_uri
            acfg.regConfig.registerOnAdd = False
        self._account = _Account(self)
        self._account.create(acfg, True)

    def _teardown(self) -> None:
        ep = self.thread.endpoint
        if ep is None:
            return
        ep.hangupAllCalls()
        if self._account is not None and self.config.register and self.registration == RegistrationState.REGISTERED:
            try:
                self._account.setRegistration(False)
            except pj.Error:
                pass
        for _ in range(30):  # let BYEs and the un-REGISTER go out
            ep.libHandleEvents(10)
        for call in list(self._calls.values()):
            if call.leg is not None:
                call.leg.mark_ended(0)
            self._forget(call)
        self._calls.clear()  # every Call and port must be gone before libDestroy
        self.ports.close(ep)
        self._account = None
        gc.collect()

    # --- registration --------------------------------------------------------------------
    def on_reg_state(self, code: int, reason: str, expiration: int) -> None:
        """pjsua2 reported a REGISTER result (SIP thread)."""
        if 200 <= code < 300 and expiration > 0:
            self.backoff.reset()
            self.registration = RegistrationState.REGISTERED
            self.on_event(RegistrationEvent(state=RegistrationState.REGISTERED, code=code, reason=reason))
            return
        if 200 <= code < 300:  # our own un-REGISTER
            self.registration = RegistrationState.UNREGISTERED
            self.on_event(RegistrationEvent(state=RegistrationState.UNREGISTERED, code=code, reason=reason))
            return
        self.registration = RegistrationState.FAILED
        self.on_event(RegistrationEvent(state=RegistrationState.FAILED, code=code, reason=reason))
        delay = self.backoff.next_delay()
        self.on_event(RegistrationEvent(state=RegistrationState.RETRYING, code=code, reason=reason,
                                        retry_in_s=delay))
        self.thread.call_later(delay, self._reregister)

    def _reregister(self) -> None:
        if self._account is not None:
            try:
                self._account.setRegistration(True)
            except pj.Error as exc:
                self.on_reg_state(503, f"cannot send REGISTER: {exc.reason}", 0)

    # --- inbound calls -------------------------------------------------------------------
    def on_incoming(self, prm: pj.OnIncomingCallParam) -> None:
        """An INVITE arrived (SIP thread): refuse it (403/486) or answer it."""
        call = SipCall(self, self._account, prm.callId)
        source = prm.rdata.srcAddress
        message = prm.rdata.wholeMsg
        inbound = [c for c in self._calls.values() if c.leg and c.leg.direction == "inbound"]
        if not self.acl.allows(source):
            self._refuse(call, 403, "Forbidden", source)
            return
        if len(inbound) >= self.config.max_calls:
            self._refuse(call, 486, "Busy Here", source)
            return
        info = call.getInfo()
        leg = CallLeg(self, f"c{next(self._ids)}", "inbound", caller_id(message), info.remoteUri,
                      parse_headers(message))
        call.leg = leg
        self._calls[call.getId()] = call
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)

    def _refuse(self, call: SipCall, code: int, reason: str, source: str) -> None:
        answer = pj.CallOpParam()
        answer.statusCode = code
        answer.reason = reason
        call.answer(answer)
        self._calls[call.getId()] = call  # kept until pjsua2 reports it disconnected
        self.on_event(CallRejectedEvent(code=code, reason=reason, source=source))

    # --- outbound calls ------------------------------------------------------------------
    def call(self, uri: str, headers: dict[str, str] | None = None, number: str = "") -> CallLeg:
        """Place a call; returns its leg at once (`leg.answered` is set when picked up). `number`
        (E.164) names the far end in the call log; else the URI's user part does."""
        return self.thread.submit(lambda: self.make_call(uri, headers or {}, number))

    def make_call(self, uri: str, headers: dict[str, str], number: str = "") -> CallLeg:
        """Place a call (SIP thread)."""
        if self._account is None:
            raise SipError("the SIP account is not ready")
        call = SipCall(self, self._account)
        name, dialled = parse_name_addr(uri)
        number = number or dialled
        leg = CallLeg(self, f"c{next(self._ids)}", "outbound", CallerId(number, name, "to"), uri, headers)
        call.leg = leg
        prm = pj.CallOpParam(True)
        for line in header_lines(headers):
            header = pj.SipHeader()
            header.hName, header.hValue = line
            prm.txOption.headers.append(header)
        try:
            call.makeCall(uri, prm)
        except pj.Error as exc:
            raise SipError(f"cannot call {uri}: {exc.reason}") from None
        self._calls[call.getId()] = call
        return leg

    # --- call events (SIP thread) --------------------------------------------------------
    def on_call_state(self, call: SipCall, state: int, code: int, reason: str) -> None:
        """Turn pjsua2 call states into events; forget ended calls."""
        leg = call.leg
        if leg is None:
            if state == pj.PJSIP_INV_STATE_DISCONNECTED:
                self.thread.post(lambda: self._forget(call))
            return
        if state == pj.PJSIP_INV_STATE_EARLY and leg.direction == "outbound":
            self.on_event(CallProgressEvent(call_id=leg.call_id, code=code, reason=reason))
        elif state == pj.PJSIP_INV_STATE_CONFIRMED and not leg.answered.is_set():
            leg.answered.set()
            self.on_event(CallStartedEvent(
                call_id=leg.call_id, direction=leg.direction, caller_number=leg.caller.number,
                caller_name=leg.caller.name, remote_uri=leg.remote_uri, headers=leg.headers))
            if leg.direction == "inbound":
                self.on_call(leg)
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            if not leg.answered.is_set() and leg.direction == "outbound":
                self.on_event(CallProgressEvent(call_id=leg.call_id, code=code, reason=reason))
            by = "transfer" if self.transfers.transferred(leg) else (
                "local" if call.hung_up_locally else "remote")
            leg.mark_ended(code)
            self.on_event(CallEndedEvent(call_id=leg.call_id, code=code, reason=reason, hung_up_by=by,
                                         jitter_ms=call.jitter_ms))
            self.transfers.on_call_ended(call)
            self.thread.post(lambda: self._forget(call))

    def on_dtmf(self, call: SipCall, digit: str, method: str) -> None:
        """A key press arrived on `call`."""
        if call.leg is not None:
            self.call_event(call.leg, DtmfEvent(call_id=call.leg.call_id, digit=digit, method=method))

    def call_event(self, leg: CallLeg, event: Event) -> None:
        """A key or transfer progress of `leg`: to its listener, and to `on_event`."""
        leg.deliver(event)
        self.on_event(event)

    def _forget(self, call: SipCall) -> None:
        """Drop an ended call (on the SIP thread: a pjsua2 object freed on another thread would
        abort the process); its audio port goes back to the pool for the next call."""
        for key, value in list(self._calls.items()):
            if value is call:
                del self._calls[key]
        # no reference cycles through a Call: it must be freed here, by reference count, never
        # later by the cyclic collector on whatever thread runs it (or after libDestroy)
        partner, call.bridged_to = call.bridged_to, None
        if partner is not None and partner.bridged_to is call:
            partner.bridged_to = None
        call.on_state = call.on_transfer_status = None
        if call.leg is not None:
            call.leg.detach()
        if call.port is not None:
            self.ports.release(call.port)
            call.port = None

    # --- control -------------------------------------------------------------------------
    def sip_call(self, leg: CallLeg) -> SipCall | None:
        """The pjsua2 call behind `leg` (SIP thread)."""
        return next((c for c in self._calls.values() if c.leg is leg), None)

    def hangup(self, leg: CallLeg, code: int = 200) -> None:
        """End `leg`'s call."""
        def run() -> None:
            call = self.sip_call(leg)
            if call is None or leg.ended.is_set():
                return
            call.hung_up_locally = True
            prm = pj.CallOpParam()
            prm.statusCode = code if not leg.answered.is_set() and code >= 300 else 200
            try:
                call.hangup(prm)
            except pj.Error as exc:
                log.warning("hang-up of %s failed: %s", leg.call_id, exc.reason)
        self.thread.post(run)

    def transfer(self, leg: CallLeg, target: str, context: dict[str, str], mode: str,
                 announce: bytes, ring_timeout_s: float | None) -> None:
        """Start a blind or attended transfer of `leg` to `target`."""
        if mode not in ("blind", "attended"):
            raise ValueError(f"transfer mode must be blind or attended, got {mode!r}")
        self.thread.post(lambda: self.transfers.start(leg, target, context, mode, announce,
                                                      ring_timeout_s or 20.0))

    def call_back(self, desk_uri: str, patient_uri: str, number: str, message_id: int | None,
                  ring_timeout_s: float) -> str:
        """Ring `desk_uri`, then dial `patient_uri` and bridge the two; returns the call back's id
        (progress arrives as `CallbackEvent`s)."""
        callback_id = self.callbacks.next_id()
        self.thread.post(lambda: self.callbacks.start(callback_id, desk_uri, patient_uri, number, message_id,
                                                      ring_timeout_s))
        return callback_id

    def active_calls(self) -> list[CallLeg]:
        """Legs of calls that have not ended."""
        return self.thread.submit(
            lambda: [c.leg for c in self._calls.values() if c.leg and not c.leg.ended.is_set()])
