"""Events from a call's conversation, for the log, the GUI and tests."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from appliance.sip.events import SipEvent


class AgentState(StrEnum):
    """What the agent is doing on a call."""

    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    TRANSFERRING = "transferring"
    ENDED = "ended"


@dataclass(frozen=True)
class AgentStateEvent(SipEvent):
    """The agent's state on `call_id` changed."""

    call_id: str
    state: AgentState


@dataclass(frozen=True)
class TranscriptEvent(SipEvent):
    """Caller speech recognised: partial while they talk, final at the end of the turn."""

    call_id: str
    text: str
    confidence: float
    final: bool


@dataclass(frozen=True)
class AgentSaidEvent(SipEvent):
    """What the agent actually played of a reply (cut short when the caller barged in)."""

    call_id: str
    text: str
    interrupted: bool


@dataclass(frozen=True)
class BargeInEvent(SipEvent):
    """The caller talked over the agent; `frames_dropped` of queued audio were discarded.

    `stopped_after_ms`: from the arrival of the first frame of the caller's speech to the
    moment the agent's queued audio was dropped."""

    call_id: str
    frames_dropped: int
    stopped_after_ms: float


@dataclass(frozen=True)
class HandoverEvent(SipEvent):
    """The call is being handed to a person: why, and the summary they get."""

    call_id: str
    reason: str
    summary: str
    target: str


@dataclass(frozen=True)
class TurnLatencyEvent(SipEvent):
    """Milliseconds from the end of caller speech to each stage of the reply."""

    call_id: str
    turn: int
    stages_ms: dict[str, float]


@dataclass(frozen=True)
class AlertEvent(SipEvent):
    """Something the front desk must know: an engine failed on a call, the store refused writes."""

    call_id: str
    problem: str
