"""pjsua2 `Call` subclass: turns pjsua2 callbacks into agent events. SIP thread only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import pjsua2 as pj

from appliance.sip.leg import CallLeg
from appliance.sip.media import ACTIVE_AUDIO_STATUSES, AudioPort, jitter_buffer_ms
from appliance.sip.security import audio_is_srtp

if TYPE_CHECKING:
    from appliance.sip.agent import SipAgent

log = logging.getLogger(__name__)

DTMF_METHODS = {pj.PJSUA_DTMF_METHOD_RFC2833: "rfc4733", pj.PJSUA_DTMF_METHOD_SIP_INFO: "info"}


class SipCall(pj.Call):
    """One pjsua2 call, owned by the agent, paired with its `CallLeg`."""

    def __init__(self, agent: SipAgent, account: pj.Account, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.agent = agent
        self.leg: CallLeg | None = None
        self.port: AudioPort | None = None
        self.audio: pj.AudioMedia | None = None
        self.hung_up_locally = False
        self.bridged_to: SipCall | None = None  # attended transfer fallback: audio bridged
        self.on_transfer_status: Callable[[int, str, bool], None] | None = None
        self.on_state: Callable[[SipCall, int, int, str], None] | None = None
        self.jitter_ms: float | None = None  # the caller's audio in our jitter buffer, once the call ended

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802 - pjsua2 API
        info = self.getInfo()
        if self.on_state is not None:
            self.on_state(self, info.state, info.lastStatusCode, info.lastReason)
        self.agent.on_call_state(self, info.state, info.lastStatusCode, info.lastReason)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:  # noqa: N802
        info = self.getInfo()  # keep the info alive while reading its media list
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in ACTIVE_AUDIO_STATUSES:
                self.audio = self.getAudioMedia(index)
                if self.leg is not None:
                    self.leg.srtp = audio_is_srtp(self, index)
                self.connect_audio()

    def connect_audio(self) -> None:
        """(Re)connect the call's audio to its port, or to the call it is bridged to.

        Re-INVITEs and holds can move the call to a new conference slot, so this runs on
        every media state change; connecting twice is harmless.
        """
        if self.audio is None:
            return
        if self.bridged_to is not None and self.bridged_to.audio is not None:
            self.audio.startTransmit(self.bridged_to.audio)
            self.bridged_to.audio.startTransmit(self.audio)
            return
        if self.port is None:
            self.port = self.agent.ports.acquire(record=self.agent.record)
            if self.leg is not None:
                self.leg.attach(self.port)
        self.audio.startTransmit(self.port)
        self.port.startTransmit(self.audio)

    def bridge(self, other: SipCall) -> bool:
        """Connect this call's audio straight to `other`'s, both ways, instead of to the agent's
        ports; False when either has no media yet."""
        if self.audio is None or other.audio is None:
            return False
        for c in (self, other):
            if c.port is not None:
                c.audio.stopTransmit(c.port)
                c.port.stopTransmit(c.audio)
        self.bridged_to, other.bridged_to = other, self
        self.connect_audio()
        return True

    def onStreamDestroyed(self, prm: pj.OnStreamDestroyedParam) -> None:  # noqa: N802
        self.jitter_ms = jitter_buffer_ms(self, prm.streamIdx)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:  # noqa: N802
        self.agent.on_dtmf(self, prm.digit, DTMF_METHODS.get(prm.method, "rfc4733"))

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:  # noqa: N802
        prm.statusCode = 603  # the agent never follows a REFER sent to it

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:  # noqa: N802
        if self.on_transfer_status is not None:
            self.on_transfer_status(prm.statusCode, prm.reason, prm.finalNotify)
