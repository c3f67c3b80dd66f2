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
