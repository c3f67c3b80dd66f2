"""Test speech: the sentence bank and helpers to feed audio to streams."""

from __future__ import annotations

from appliance.audio import frames, resample
from appliance.lab.speech import espeak, silence

SENTENCES = [
    "I would like to book a cleaning appointment for next Tuesday.",
    "Can I speak to someone at the front desk please?",
    "My name is Maria Lopez and my date of birth is the third of May.",
]


def feed_all(stream, pcm: bytes) -> list:
    """Feed PCM in 20 ms frames; return the partial results."""
    partials = []
    for frame in frames(pcm):
        partials += stream.feed(frame)
    return partials


def phone_band(pcm: bytes) -> bytes:
    """What a narrowband (8 kHz) call leaves of 16 kHz audio."""
    return resample(resample(pcm, 16000, 8000), 8000, 16000)


__all__ = ["SENTENCES", "espeak", "feed_all", "phone_band", "silence"]
