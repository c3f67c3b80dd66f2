"""Calls in progress and the trunk registration, kept up to date from the event messages.

The service keeps one so a client that connects mid-call gets the whole call so far; the
GUI keeps one from the snapshot plus the messages that follow."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAILED_TRANSFER = ("busy", "no_answer", "failed")
DESK_TRANSFER, DESK_TAKE_OVER = "the front desk transferred the call", "the front desk took the call over"


@dataclass
class LiveCall:
    """One call in progress, as the front desk sees it."""

    call_id: str
    caller_number: str
    caller_name: str
    started_at: float  # unix time
    contact: str = ""  # the matched contact's name
    state: str = "listening"
    transcript: list[dict[str, Any]] = field(default_factory=list)  # {speaker, text, interrupted}
    partial: str = ""
    latencies_ms: list[float] = field(default_factory=list)  # end of caller speech -> first audio out
    handover: dict[str, str] = field(default_factory=dict)  # reason, summary, target
    transfer: dict[str, Any] = field(default_factory=dict)  # state, mode, target, code, reason
    card: dict[str, str] = field(default_factory=dict)  # what the agent has gathered (see dialogue.card)
    attention: str = ""  # why the call needs a person now (a hand-over, a transfer nobody took), if it does

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiveCall:
        """From its snapshot form (unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class LiveCalls:
    """Calls in progress and the registration, from snapshot and event messages."""

    def __init__(self, registration: str = "unknown") -> None:
        self.calls: dict[str, LiveCall] = {}
        self.registration: dict[str, Any] = {"state": registration}

    def load(self, snapshot: dict[str, Any]) -> None:
        """Replace everything with a snapshot's view."""
        self.registration = dict(snapshot.get("registration", self.registration))
        self.calls = {c["call_id"]: LiveCall.from_dict(c) for c in snapshot.get("calls", [])}

    def apply(self, message: dict[str, Any]) -> LiveCall | None:
        """Update from one event message; return the call it touched (also when it ended)."""
        kind = message.get("type")
        if kind == "Registration":
            self.registration = {k: message.get(k) for k in ("state", "code", "reason", "retry_in_s", "at")}
            return None
        if kind == "CallStarted":
            call = LiveCall(message["call_id"], message.get("caller_number", ""), message.get("caller_name", ""),
                            message.get("at", 0.0), contact=message.get("contact", ""))
            self.calls[call.call_id] = call
            return call
        call = self.calls.get(message.get("call_id", ""))
        if call is None:
            return None
        if kind == "CallEnded":
            del self.calls[call.call_id]
        elif kind == "AgentState":
            call.state = message["state"]
        elif kind == "Transcript":
            call.partial = "" if message["final"] else message["text"]
            if message["final"] and message["text"]:
                call.transcript.append({"speaker": "caller", "text": message["text"], "interrupted": False})
        elif kind == "AgentSaid":
            call.transcript.append({"speaker": "agent", "text": message["text"],
                                    "interrupted": message["interrupted"]})
        elif kind == "TurnLatency" and "first_frame_out" in message["stages_ms"]:
            call.latencies_ms.append(message["stages_ms"]["first_frame_out"])
        elif kind == "Handover":
            call.handover = {k: message[k] for k in ("reason", "summary", "target")}
            if message["reason"] not in (DESK_TRANSFER, DESK_TAKE_OVER):  # the desk's own click needs no alarm
                call.attention = f"Handed over: {message['reason']}"
        elif kind == "Transfer":
            call.transfer = {k: message.get(k) for k in ("state", "mode", "target", "code", "reason")}
            if message.get("state") in FAILED_TRANSFER:
                call.attention = f"Nobody took the transfer ({message['state'].replace('_', ' ')})"
        elif kind == "CallCard":
            call.card = dict(message["fields"])
        elif kind == "Alert":
            call.attention = message["problem"]
        return call

    def snapshot(self) -> dict[str, Any]:
        """Everything, as plain data."""
        return {"registration": self.registration, "calls": [asdict(c) for c in self.calls.values()]}
