"""What a policy answers each turn: text to speak, then perhaps an action."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """Something to do once the reply has been spoken."""

    kind: str  # hangup | transfer
    reason: str = ""
    summary: str = ""  # for a transfer: who, verified or not, what they want, what was done
    after_hours: bool = False  # for a transfer: to the on-call number, not the front desk


NO_INPUT = "no input from the caller"  # why the call ends or goes to staff after silence


@dataclass(frozen=True)
class Reply:
    """Text to speak, then an optional action."""

    text: str
    action: Action | None = None
    notice: str = ""  # the recording notice `text` holds: the call is recorded once the caller has heard it
    declines_recording: bool = False  # the caller declined the recording: none of the call's audio is kept

    @classmethod
    def say(cls, text: str, action: Action | None = None) -> Reply:
        """A reply."""
        return cls(text, action)
