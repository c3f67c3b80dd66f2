"""Where the hand-over of a call to a person stands: one explicit state (pure).

    AGENT ──begin / fail_over──> ANNOUNCING ──ringing──> RINGING ──succeeded──> WITH_STAFF
      ^                                                     │
      └──────────────────────── failed ─────────────────────┘

While the agent is not in charge it hears no turns, takes no keys and cannot be talked over:
the caller hears the announcement to the end. A hand-over that an engine failure forced
(`problem`) never returns the caller to the agent: when that transfer fails it goes back to
ANNOUNCING, for the caller to hear they will be called back.
"""

from __future__ import annotations

from enum import StrEnum


class HandoverState(StrEnum):
    """Who has the caller."""

    AGENT = "agent"  # the agent converses
    ANNOUNCING = "announcing"  # telling the caller they are being put through
    RINGING = "ringing"  # the transfer is under way
    WITH_STAFF = "with_staff"  # the caller talks to a person


class Handover:
    """The hand-over state of one call."""

    def __init__(self) -> None:
        self.state = HandoverState.AGENT
        self.problem = ""  # what failed, when an engine failure forced the hand-over

    @property
    def agent_in_charge(self) -> bool:
        """The agent may speak and act on its own."""
        return self.state == HandoverState.AGENT

    @property
    def failed_over(self) -> bool:
        """An engine failure forced this hand-over."""
        return bool(self.problem)

    def begin(self) -> bool:
        """Start handing over; False when one is already under way (nothing changes)."""
        if self.state != HandoverState.AGENT:
            return False
        self.state = HandoverState.ANNOUNCING
        return True

    def fail_over(self, problem: str) -> bool:
        """An engine failed: hand over whatever was going on; False when one already failed."""
        if self.problem:
            return False
        self.problem = problem
        if self.state == HandoverState.AGENT:
            self.state = HandoverState.ANNOUNCING
        return True

    def ringing(self) -> bool:
        """The transfer starts; False when one already rings or the caller is with staff."""
        if self.state in (HandoverState.RINGING, HandoverState.WITH_STAFF):
            return False
        self.state = HandoverState.RINGING
        return True

    def succeeded(self) -> None:
        """The caller is with staff."""
        self.state = HandoverState.WITH_STAFF

    def failed(self) -> None:
        """Nobody took the caller: back with the agent, or after a fail-over to a goodbye."""
        self.state = HandoverState.ANNOUNCING if self.problem else HandoverState.AGENT
