"""The front desk's call back: ring the receptionist's desk phone first; once it is answered,
dial the patient, and when they answer, bridge the two calls (the box stays in the audio path,
which works whatever the trunk allows). Either side hanging up ends the other. Progress goes out
as `CallbackEvent`s. All methods run on the SIP thread.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pjsua2 as pj

from appliance.sip.events import CallbackEvent, CallbackState
from appliance.sip.leg import CallLeg
from appliance.sip.transfer import outcome
from appliance.voice.events import TransferState

if TYPE_CHECKING:
    from appliance.sip.agent import SipAgent

log = logging.getLogger(__name__)
FINAL = (CallbackState.ENDED, CallbackState.DESK_NO_ANSWER, CallbackState.PATIENT_BUSY,
         CallbackState.PATIENT_NO_ANSWER, CallbackState.FAILED)


@dataclass
class Callback:
    """One call back in progress."""

    callback_id: str
    number: str
    patient_uri: str
    message_id: int | None
    ring_timeout_s: float
    desk: CallLeg | None = None
    patient: CallLeg | None = None
    state: CallbackState | None = None
    emitted: set[CallbackState] = field(default_factory=set)


class CallbackManager:
    """Runs the call backs of one agent."""

    def __init__(self, agent: SipAgent) -> None:
        self.agent = agent
        self._ids = itertools.count(1)

    def next_id(self) -> str:
        """A new call back's id (any thread)."""
        return f"cb{next(self._ids)}"

    def start(self, callback_id: str, desk_uri: str, patient_uri: str, number: str, message_id: int | None,
              ring_timeout_s: float) -> None:
        """Ring the desk phone; the rest follows from its answer."""
        cb = Callback(callback_id, number, patient_uri, message_id, ring_timeout_s)
        try:
            cb.desk = self.agent.make_call(desk_uri, {"X-Callback-Number": number})
        except Exception as exc:  # noqa: BLE001 - SipError or pj.Error: told to the front desk
            self._emit(cb, CallbackState.FAILED, f"cannot ring the desk phone: {exc}")
            return
        self._watch(cb, cb.desk, self._desk_state)
        self._emit(cb, CallbackState.DESK_RINGING)
        self.agent.thread.call_later(ring_timeout_s, lambda: self._ring_timeout(cb, cb.desk,
                                                                                 CallbackState.DESK_NO_ANSWER))

    def _watch(self, cb: Callback, leg: CallLeg, handler) -> None:  # noqa: ANN001
        call = self.agent.sip_call(leg)
        if call is not None:
            call.on_state = lambda c, state, code, reason: handler(cb, state, code, reason)

    def _desk_state(self, cb: Callback, state: int, code: int, reason: str) -> None:
        if cb.state in FINAL:
            return
        if state == pj.PJSIP_INV_STATE_CONFIRMED and cb.patient is None:
            try:
                cb.patient = self.agent.make_call(cb.patient_uri, {}, cb.number)
            except Exception as exc:  # noqa: BLE001
                self._emit(cb, CallbackState.FAILED, f"cannot dial {cb.number}: {exc}")
                cb.desk.hangup()
                return
            self._watch(cb, cb.patient, self._patient_state)
            self._emit(cb, CallbackState.PATIENT_RINGING)
            self.agent.thread.call_later(cb.ring_timeout_s, lambda: self._ring_timeout(
                cb, cb.patient, CallbackState.PATIENT_NO_ANSWER))
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            if not cb.desk.answered.is_set():
                self._emit(cb, CallbackState.DESK_NO_ANSWER, f"SIP {code} {reason}".strip())
            else:
                self._end(cb, cb.patient, "the desk phone hung up")

    def _patient_state(self, cb: Callback, state: int, code: int, reason: str) -> None:
        if cb.state in FINAL:
            return
        if state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.agent.thread.call_later(0.05, lambda: self._connect(cb))
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            if cb.patient.answered.is_set():
                self._end(cb, cb.desk, "the patient hung up")
                return
            state = {TransferState.BUSY: CallbackState.PATIENT_BUSY,
                     TransferState.NO_ANSWER: CallbackState.PATIENT_NO_ANSWER}.get(outcome(code), CallbackState.FAILED)
            self._emit(cb, state, f"SIP {code} {reason}".strip())
            cb.desk.hangup()

    def _connect(self, cb: Callback, tries: int = 40) -> None:
        """Bridge the two calls once both have media."""
        if cb.state in FINAL:
            return
        desk, patient = self.agent.sip_call(cb.desk), self.agent.sip_call(cb.patient)
        if desk is not None and patient is not None and desk.bridge(patient):
            self._emit(cb, CallbackState.CONNECTED)
        elif tries and desk is not None and patient is not None:
            self.agent.thread.call_later(0.05, lambda: self._connect(cb, tries - 1))
        else:
            self._emit(cb, CallbackState.FAILED, "the calls' audio could not be connected")
            for leg in (cb.desk, cb.patient):
                leg.hangup()

    def _ring_timeout(self, cb: Callback, leg: CallLeg, state: CallbackState) -> None:
        if cb.state in FINAL or leg.answered.is_set() or leg.ended.is_set():
            return
        self._emit(cb, state, "no answer before the ring timeout")
        leg.hangup(487)
        if leg is cb.patient:
            cb.desk.hangup()

    def _end(self, cb: Callback, other: CallLeg | None, why: str) -> None:
        if cb.state == CallbackState.CONNECTED:
            self._emit(cb, CallbackState.ENDED, why)
        else:
            self._emit(cb, CallbackState.FAILED, why)
        if other is not None:
            other.hangup()

    def _emit(self, cb: Callback, state: CallbackState, detail: str = "") -> None:
        if state in cb.emitted:
            return
        cb.emitted.add(state)
        cb.state = state
        log.info("call back %s: %s %s", cb.callback_id, state, detail)
        self.agent.on_event(CallbackEvent(callback_id=cb.callback_id, number=cb.number, state=state,
                                          message_id=cb.message_id, detail=detail))

