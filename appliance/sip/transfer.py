"""Blind and attended transfer to a staff phone, with the handover context in headers.

Blind: REFER the caller to the target; the outcome comes from the NOTIFY sipfrag.
Attended: call the target first (the context in X-Handover-* headers, an optional spoken
announcement), then REFER the caller with Replaces; if the caller's side refuses REFER, the
agent bridges the two calls itself. Whatever fails, the caller stays with the agent.
All methods run on the SIP thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

import pjsua2 as pj

from appliance.sip.leg import CallLeg
from appliance.voice.events import TransferEvent, TransferState

if TYPE_CHECKING:
    from appliance.sip.agent import SipAgent
    from appliance.sip.calls import SipCall

log = logging.getLogger(__name__)

HEADER_PREFIX = "X-Handover-"
MAX_HEADER_VALUE = 200
FINAL = (TransferState.SUCCEEDED, TransferState.BUSY, TransferState.NO_ANSWER, TransferState.FAILED)


def outcome(code: int) -> TransferState:
    """The transfer state a final SIP status means."""
    if 200 <= code < 300:
        return TransferState.SUCCEEDED
    if code in (486, 600, 603):
        return TransferState.BUSY
    if code in (408, 480, 487):
        return TransferState.NO_ANSWER
    return TransferState.FAILED


def context_headers(context: dict[str, str]) -> dict[str, str]:
    """`{"reason": ..}` -> `{"X-Handover-Reason": ..}`, names and values made header-safe."""
    headers = {}
    for key, value in context.items():
        name = HEADER_PREFIX + "-".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", key) if p)
        headers[name] = value
    return headers


def header_lines(headers: dict[str, str]) -> list[tuple[str, str]]:
    """(name, value) pairs safe for one SIP header line each: printable ASCII, bounded length."""
    lines = []
    for name, value in headers.items():
        clean_name = re.sub(r"[^A-Za-z0-9-]", "", name)
        clean = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value)).encode("ascii", "replace").decode()
        if clean_name:
            lines.append((clean_name, clean.strip()[:MAX_HEADER_VALUE]))
    return lines


def refer_to(target: str, headers: dict[str, str]) -> str:
    """A Refer-To value carrying `headers` as URI headers, so they reach the target's INVITE."""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in header_lines(headers))
    return f"<{target}?{query}>" if query else f"<{target}>"


@dataclass
class Transfer:
    """One transfer in progress."""

    leg: CallLeg
    target: str
    mode: str
    headers: dict[str, str]
    announce: bytes
    state: TransferState = TransferState.STARTED
    consult: CallLeg | None = None
    bridged: bool = False
    emitted: set[TransferState] = field(default_factory=set)


class TransferManager:
    """Runs the transfers of one agent."""

    def __init__(self, agent: SipAgent) -> None:
        self.agent = agent
        self._active: dict[str, Transfer] = {}  # by original call id
        self._succeeded: set[str] = set()

    def transferred(self, leg: CallLeg) -> bool:
        """Whether `leg` was handed over successfully."""
        return leg.call_id in self._succeeded

    def start(self, leg: CallLeg, target: str, context: dict[str, str], mode: str,
              announce: bytes, ring_timeout_s: float) -> None:
        """Begin a transfer; a second one while the first runs is refused."""
        t = Transfer(leg, target, mode, context_headers(context), announce)
        if leg.call_id in self._active or leg.ended.is_set():
            self._emit(t, TransferState.FAILED, reason="the call is ended or already transferring")
            return
        self._active[leg.call_id] = t
        self._emit(t, TransferState.STARTED)
        if mode == "blind":
            self._refer(t, replaces=None)
        else:
            try:
                t.consult = self.agent.make_call(target, t.headers)
            except Exception as exc:  # noqa: BLE001 - SipError or pj.Error: caller stays with us
                self._emit(t, TransferState.FAILED, reason=str(exc))
                return
            consult_call = self.agent.sip_call(t.consult)
            consult_call.on_state = lambda call, state, code, reason: self._consult_state(t, state, code, reason)
        self.agent.thread.call_later(ring_timeout_s, lambda: self._ring_timeout(t))

    # --- blind and the REFER of attended ---------------------------------------------------
    def _refer(self, t: Transfer, replaces: SipCall | None) -> None:
        call = self.agent.sip_call(t.leg)
        if call is None:
            self._emit(t, TransferState.FAILED, reason="the call is gone")
            return
        call.on_transfer_status = lambda code, reason, final: self._refer_status(t, code, reason, final)
        prm = pj.CallOpParam(True)
        for name, value in header_lines(t.headers):
            header = pj.SipHeader()
            header.hName, header.hValue = name, value
            prm.txOption.headers.append(header)
        try:
            if replaces is None:
                call.xfer(refer_to(t.target, t.headers), prm)
            else:
                call.xferReplaces(replaces, prm)
        except pj.Error as exc:
            self._refer_failed(t, 500, exc.reason)

    def _refer_status(self, t: Transfer, code: int, reason: str, final: bool) -> None:
        if t.state in FINAL:
            return
        if code in (180, 183):
            self._emit(t, TransferState.RINGING, code, reason)
        if not final:
            return
        state = outcome(code)
        if state == TransferState.SUCCEEDED:
            self._emit(t, state, code, reason)
            t.leg.hangup()
        else:
            self._refer_failed(t, code, reason)

    def _refer_failed(self, t: Transfer, code: int, reason: str) -> None:
        if t.mode == "attended" and t.consult is not None and not t.consult.ended.is_set():
            self._bridge(t)  # the caller's side cannot do REFER: connect the calls here
        else:
            self._emit(t, outcome(code) if code >= 300 else TransferState.FAILED, code, reason)

    # --- attended: the consultation call ----------------------------------------------------
    def _consult_state(self, t: Transfer, state: int, code: int, reason: str) -> None:
        if t.state in FINAL:
            return
        if state == pj.PJSIP_INV_STATE_EARLY and code in (180, 183):
            self._emit(t, TransferState.RINGING, code, reason)
        elif state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._emit(t, TransferState.ANSWERED, code, reason)
            self.agent.thread.call_later(0.2, lambda: self._announce(t))
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED and not t.consult.answered.is_set():
            self._emit(t, outcome(code) if code >= 300 else TransferState.FAILED, code, reason)

    def _announce(self, t: Transfer) -> None:
        """Play the context to the staff member, then connect the caller."""
        if t.state in FINAL or t.consult.ended.is_set():
            return
        if t.announce:
            if t.consult.port is None:  # media not up yet
                self.agent.thread.call_later(0.1, lambda: self._announce(t))
                return
            t.consult.write(t.announce)
            t.announce = b""
        if t.consult.pending_frames:
            self.agent.thread.call_later(0.1, lambda: self._announce(t))
            return
        self._refer(t, replaces=self.agent.sip_call(t.consult))

    def _bridge(self, t: Transfer) -> None:
        call, consult = self.agent.sip_call(t.leg), self.agent.sip_call(t.consult)
        if call is None or consult is None or not call.bridge(consult):
            self._emit(t, TransferState.FAILED, reason="cannot bridge: media not ready")
            return
        t.bridged = True
        self._emit(t, TransferState.SUCCEEDED, 200, "bridged by the agent")

    def _ring_timeout(self, t: Transfer) -> None:
        if t.state in FINAL or t.state == TransferState.ANSWERED:
            return
        if t.consult is not None:
            t.consult.hangup(487)
        self._emit(t, TransferState.NO_ANSWER, 408, "no answer before the ring timeout")

    def on_call_ended(self, call: SipCall) -> None:
        """A call ended: tidy up transfers it took part in."""
        for t in list(self._active.values()):
            if call.leg is t.leg:
                if t.consult is not None and not t.consult.ended.is_set() and (
                        t.bridged or t.state not in FINAL):
                    t.consult.hangup()
                if t.state not in FINAL:
                    self._emit(t, TransferState.FAILED, reason="the caller hung up")
                self._active.pop(t.leg.call_id, None)
            elif call.leg is t.consult and t.bridged and not t.leg.ended.is_set():
                t.leg.hangup()

    def _emit(self, t: Transfer, state: TransferState, code: int = 0, reason: str = "") -> None:
        if state in t.emitted:
            return
        t.emitted.add(state)
        t.state = state
        if state == TransferState.SUCCEEDED:
            self._succeeded.add(t.leg.call_id)
        if state in FINAL and not t.bridged:
            self._active.pop(t.leg.call_id, None)
        log.info("transfer of %s to %s: %s %s %s", t.leg.call_id, t.target, state, code, reason)
        self.agent.call_event(t.leg, TransferEvent(call_id=t.leg.call_id, state=state, mode=t.mode,
                                                   target=t.target, code=code, reason=reason))
