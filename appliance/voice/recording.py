"""Which part of a call's audio may be kept (pure bookkeeping).

The transport records the whole call; what is kept starts once the caller has heard the
recording notice in full (the reply that carries it played to its end, or the caller talked
over it after it), and ends when the agent's part of the call ends: the call is over, or the
caller is with staff. A caller who declines keeps nothing of the call. A call whose notice was
never heard keeps nothing either (a mailbox's message, a caller who hung up during it).
Positions are counted in the caller's 20 ms frames, as the transport records them both ways.
"""

from __future__ import annotations

from appliance.dialogue.reply import Reply
from appliance.audio import FRAME_BYTES


class RecordingWindow:
    """The part of one call's recording that may be kept."""

    def __init__(self, recorded: bool) -> None:
        self.recorded = recorded  # calls are recorded (and this one has not been declined)
        self.declined = False
        self.frames = 0  # caller frames so far
        self.start: int | None = None  # the first frame kept
        self.end: int | None = None  # the first frame not kept
        self.notice = ""  # a notice said that the caller has not heard in full yet

    def frame(self) -> None:
        """One more frame of the caller arrived."""
        self.frames += 1

    def decline(self) -> None:
        """The caller declined the recording: none of the call's audio is kept."""
        self.recorded, self.declined = False, True

    def with_notice(self, reply: Reply) -> Reply:
        """`reply` as it is to be spoken: the notice first when the caller has not heard it yet
        (they talked over it), unless the reply carries it or ends the agent's part of the call
        (a goodbye, a transfer: nothing is recorded after it)."""
        if not self.recorded or self.start is not None:
            return reply
        if reply.notice:
            self.notice = reply.notice
        elif self.notice and reply.action is None:
            return Reply(f"{self.notice} {reply.text}", reply.action, self.notice, reply.declines_recording)
        return reply

    def heard(self, text: str) -> None:
        """The caller heard `text` of a reply: the recording starts here if the notice was in it."""
        if self.recorded and self.start is None and self.notice and " ".join(self.notice.split()) in text:
            self.start = self.frames

    def stop(self) -> None:
        """The agent's part of the call is over (the caller is with staff)."""
        if self.end is None:
            self.end = self.frames

    def kept(self, audio: tuple[bytes, bytes] | None) -> tuple[bytes, bytes] | None:
        """The (caller, agent) audio that may be kept of the call's recording, or None."""
        if audio is None or not self.recorded or self.start is None:
            return None
        window = slice(self.start * FRAME_BYTES, None if self.end is None else self.end * FRAME_BYTES)
        caller, agent = audio[0][window], audio[1][window]
        return (caller, agent) if caller or agent else None
