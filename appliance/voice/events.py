"""Events of a call, whatever carries it: frozen, timestamped, with string states for the wire.

The transport (SIP, the headset) reports the call's life, keys and transfer progress; the
call loop reports the conversation. The log, the front desk and the tests read the same events.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Event:
    """Base: every event has a monotonic timestamp."""

    at: float = field(default_factory=time.monotonic, kw_only=True)


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
class CallStartedEvent(Event):
    """A call was answered (inbound) or picked up (outbound) and media flows."""

    call_id: str
    direction: str  # inbound | outbound
    caller_number: str
    caller_name: str
    remote_uri: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallEndedEvent(Event):
    """A call ended; `code` is the SIP status that ended it (0 when unknown)."""

    call_id: str
    code: int
    reason: str
    hung_up_by: str  # remote | local | transfer
    jitter_ms: float | None = None  # how long the caller's audio waited in the jitter buffer, on average


@dataclass(frozen=True)
class CallProgressEvent(Event):
    """An outbound call is ringing or failed before answer."""

    call_id: str
    code: int
    reason: str


@dataclass(frozen=True)
class DtmfEvent(Event):
    """The caller pressed a key."""

    call_id: str
    digit: str
    method: str  # rfc4733 | info


@dataclass(frozen=True)
class TransferEvent(Event):
    """Progress of a transfer of call `call_id` to `target`."""

    call_id: str
    state: TransferState
    mode: str  # blind | attended
    target: str
    code: int = 0
    reason: str = ""



class AgentState(StrEnum):
    """What the agent is doing on a call."""

    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    TRANSFERRING = "transferring"
    ENDED = "ended"


@dataclass(frozen=True)
class AgentStateEvent(Event):
    """The agent's state on `call_id` changed."""

    call_id: str
    state: AgentState


@dataclass(frozen=True)
class TranscriptEvent(Event):
    """Caller speech recognised: partial while they talk, final at the end of the turn."""

    call_id: str
    text: str
    confidence: float
    final: bool
    whole: bool = False  # the turn before it went on into this one: this final transcript holds both


@dataclass(frozen=True)
class AgentSaidEvent(Event):
    """What the agent actually played of a reply (cut short when the caller barged in), with
    the turn's stage times when it answered a caller turn."""

    call_id: str
    text: str
    interrupted: bool
    stages_ms: dict[str, float] | None = None


@dataclass(frozen=True)
class BargeInEvent(Event):
    """The caller talked over the agent; `frames_dropped` of queued audio were discarded.

    `stopped_after_ms`: from the arrival of the first frame of the caller's speech to the
    moment the agent's queued audio was dropped."""

    call_id: str
    frames_dropped: int
    stopped_after_ms: float


@dataclass(frozen=True)
class HandoverEvent(Event):
    """The call is being handed to a person: why, and the summary they get."""

    call_id: str
    reason: str
    summary: str
    target: str


@dataclass(frozen=True)
class TurnLatencyEvent(Event):
    """Milliseconds from the end of caller speech to each stage of the reply."""

    call_id: str
    turn: int
    stages_ms: dict[str, float]


@dataclass(frozen=True)
class CallCardEvent(Event):
    """What the agent has gathered on the call so far (who, identity checked, what they want,
    the times offered, the summary staff would get), for the front desk's live card."""

    call_id: str
    fields: dict[str, str]


@dataclass(frozen=True)
class AlertEvent(Event):
    """Something the front desk must know: an engine failed on a call, the store refused writes."""

    call_id: str
    problem: str


@dataclass(frozen=True)
class AnsweredByEvent(Event):
    """Who picked up an outbound call: a person, or a machine (and when its beep or end came)."""

    call_id: str
    answered_by: str  # person | machine
    reason: str
    after_s: float  # seconds of audio heard before deciding
    ready_after_s: float | None = None  # a machine: when the message could start (after the beep)
