"""Barge-in: decide that the caller is talking over the agent (pure, per 20 ms frame).

A frame counts as caller speech when the VAD says speech, it is loud enough, and, while the
agent is playing, it is not much quieter than the agent: line echo of the agent's own voice
comes back attenuated, real speech over it does not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BargeInOptions:
    """Durations in ms, levels in dBFS."""

    min_speech_ms: int = 160
    min_dbfs: float = -40.0
    echo_margin_db: float = 15.0
    frame_ms: int = 20
    max_gap_frames: int = 1  # a single dropped frame inside speech does not reset the count


class BargeInDetector:
    """Feed every caller frame while the agent talks; `feed` returns True once speech is sure."""

    def __init__(self, options: BargeInOptions | None = None) -> None:
        self.options = options or BargeInOptions()
        self.reset()

    def reset(self) -> None:
        """Forget any speech counted so far (at the start of each agent utterance)."""
        self._speech_frames = 0
        self._gap = 0
        self.onset_frames_ago = 0

    def counts(self, is_speech: bool, caller_dbfs: float, agent_dbfs: float | None) -> bool:
        """Whether one frame counts as the caller speaking over the agent."""
        o = self.options
        if not is_speech or caller_dbfs < o.min_dbfs:
            return False
        return agent_dbfs is None or caller_dbfs >= agent_dbfs - o.echo_margin_db

    def feed(self, is_speech: bool, caller_dbfs: float, agent_dbfs: float | None) -> bool:
        """Advance one frame; True when the caller has spoken long enough to stop the agent."""
        if self.counts(is_speech, caller_dbfs, agent_dbfs):
            self._speech_frames += 1
            self._gap = 0
        else:
            self._gap += 1
            if self._gap > self.options.max_gap_frames:
                self._speech_frames = 0
        self.onset_frames_ago = self._speech_frames
        return self._speech_frames * self.options.frame_ms >= self.options.min_speech_ms
