"""End of turn from the sound of the caller's voice: Smart Turn v3 (ONNX).

The model hears the last 8 s of the turn (16 kHz, as Whisper log-mel features) and gives the
probability that the speaker has finished: intonation and rhythm, not the words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from appliance.audio import SAMPLE_RATE, to_float
from appliance.models.onnx import onnx_session

WINDOW_S = 8


class SmartTurn:
    """A loaded Smart Turn model shared by all calls (it keeps no state between calls)."""

    def __init__(self, path: Path, name: str = "smart-turn", threads: int = 1) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        self.name = name
        self._session = onnx_session(path, "Smart Turn", threads)
        self._features = FeatureExtractor(feature_size=80, chunk_length=WINDOW_S)

    def finished(self, pcm: bytes) -> float:
        """Probability (0..1) that the speaker of `pcm` (16 kHz s16, the turn so far) is done."""
        samples = to_float(pcm)[-WINDOW_S * SAMPLE_RATE:]
        samples = np.pad(samples, (WINDOW_S * SAMPLE_RATE - len(samples), 0))
        samples = (samples - samples.mean()) / np.sqrt(samples.var() + 1e-7)
        mel = self._features(samples, padding=0)[None, :, :].astype(np.float32)
        return float(self._session.run(None, {"input_features": mel})[0].reshape(-1)[0])
