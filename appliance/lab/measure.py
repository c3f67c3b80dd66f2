"""Voice-to-voice latency measured at the caller: from the end of each utterance in the sent
track to the first agent audio in the received track (both on one 20 ms timeline)."""

from __future__ import annotations

import numpy as np

from appliance.audio import to_float
from appliance.models.protocols import SAMPLE_RATE

WINDOW_S = 0.01


def active_windows(pcm: bytes, threshold_dbfs: float = -40.0) -> np.ndarray:
    """One boolean per 10 ms window: is it louder than the threshold."""
    samples = to_float(pcm)
    size = int(SAMPLE_RATE * WINDOW_S)
    usable = len(samples) // size * size
    rms = np.sqrt(np.mean(samples[:usable].reshape(-1, size) ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms) > threshold_dbfs


def speech_segments(pcm: bytes, min_gap_s: float = 0.7, min_len_s: float = 0.2) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound; pauses shorter than `min_gap_s` join."""
    active = active_windows(pcm)
    segments: list[list[float]] = []
    for index in np.flatnonzero(active):
        t = index * WINDOW_S
        if segments and t - segments[-1][1] <= min_gap_s:
            segments[-1][1] = t + WINDOW_S
        else:
            segments.append([t, t + WINDOW_S])
    return [(a, b) for a, b in segments if b - a >= min_len_s]


def reply_latencies_ms(sent: bytes, received: bytes, limit_s: float = 10.0) -> list[float | None]:
    """For each utterance the caller sent, ms until the agent was heard (None: not within limit)."""
    heard = active_windows(received)
    out: list[float | None] = []
    for _, end in speech_segments(sent):
        first = int(round(end / WINDOW_S))
        after = np.flatnonzero(heard[first:first + int(limit_s / WINDOW_S)])
        out.append(float(after[0] * WINDOW_S * 1000) if after.size else None)
    return out
