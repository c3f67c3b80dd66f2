"""Events the SIP layer reports: frozen, timestamped, with string states for the wire."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum


class RegistrationState(StrEnum):
    """Where the trunk registration stands."""

    REGISTERED = "registered"
    FAILED = "failed"
    RETRYING = "retrying"
    UNREGISTERED = "unregistered"


class TransferState(StrEnum):
    """Progress of a handover to a person."""

    STARTED = "started"
    RINGING = "ringing"
    ANSWERED = "answered"  # attended: the staff member picked up the consultation call
    SUCCEEDED = "succeeded"  # the caller is now talking to staff
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


@dataclass(frozen=True)
class SipEvent:
    """Base: every event has a monotonic timestamp."""

    at: float = field(default_factory=time.monotonic, kw_only=True)


@dataclass(frozen=True)
class RegistrationEvent(SipEvent):
    """The registration changed: registered, failed with a SIP code, or retrying later."""

    state: RegistrationState
    code: int = 0
    reason: str = ""
    retry_in_s: float | None = None


@dataclass(frozen=True)
class CallRejectedEvent(SipEvent):
    """An INVITE was refused before a call started (403 not from the trunk, 486 busy)."""

    code: int
    reason: str
    source: str


@dataclass(frozen=True)
class CallStartedEvent(SipEvent):
    """A call was answered (inbound) or picked up (outbound) and media flows."""

    call_id: str
    direction: str  # inbound | outbound
    caller_number: str
    caller_name: str
    remote_uri: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallEndedEvent(SipEvent):
    """A call ended; `code` is the SIP status that ended it (0 when unknown)."""

    call_id: str
    code: int
    reason: str
    hung_up_by: str  # remote | local | transfer


@dataclass(frozen=True)
class CallProgressEvent(SipEvent):
    """An outbound call is ringing or failed before answer."""

    call_id: str
    code: int
    reason: str


@dataclass(frozen=True)
class DtmfEvent(SipEvent):
    """The caller pressed a key."""

    call_id: str
    digit: str
    method: str  # rfc4733 | info


@dataclass(frozen=True)
class TransferEvent(SipEvent):
    """Progress of a transfer of call `call_id` to `target`."""

    call_id: str
    state: TransferState
    mode: str  # blind | attended
    target: str
    code: int = 0
    reason: str = ""
