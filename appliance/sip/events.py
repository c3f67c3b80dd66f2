"""Events only the SIP layer has: the trunk registration and INVITEs refused before a call."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from appliance.voice.events import Event


class RegistrationState(StrEnum):
    """Where the trunk registration stands."""

    REGISTERED = "registered"
    FAILED = "failed"
    RETRYING = "retrying"
    UNREGISTERED = "unregistered"


@dataclass(frozen=True)
class RegistrationEvent(Event):
    """The registration changed: registered, failed with a SIP code, or retrying later."""

    state: RegistrationState
    code: int = 0
    reason: str = ""
    retry_in_s: float | None = None


@dataclass(frozen=True)
class CallRejectedEvent(Event):
    """An INVITE was refused before a call started (403 not from the trunk, 486 busy)."""

    code: int
    reason: str
    source: str


class CallbackState(StrEnum):
    """How a front-desk call back stands: the desk phone rings first, then the patient."""

    DESK_RINGING = "desk_ringing"
    PATIENT_RINGING = "patient_ringing"
    CONNECTED = "connected"
    ENDED = "ended"  # after being connected
    DESK_NO_ANSWER = "desk_no_answer"
    PATIENT_BUSY = "patient_busy"
    PATIENT_NO_ANSWER = "patient_no_answer"
    FAILED = "failed"


@dataclass(frozen=True)
class CallbackEvent(Event):
    """Progress of a call back the front desk asked for (`message_id` when it answers a message)."""

    callback_id: str
    number: str
    state: CallbackState
    message_id: int | None = None
    detail: str = ""
