"""Voice activity with the WebRTC detector: no model file, microseconds per frame."""

from __future__ import annotations

from appliance.models.protocols import FRAME_BYTES, SAMPLE_RATE


class WebrtcVad:
    """WebRTC VAD; `aggressiveness` 0 (keeps most audio) .. 3 (drops most non-speech)."""

    def __init__(self, name: str = "webrtc-vad", aggressiveness: int = 3, threshold: float = 0.5) -> None:
        import webrtcvad

        if not 0 <= aggressiveness <= 3:
            raise ValueError("aggressiveness must be 0..3")
        self.name = name
        self.threshold = threshold
        self._module = webrtcvad
        self._aggressiveness = aggressiveness

    def stream(self) -> "WebrtcVadStream":
        """A detector for one call."""
        return WebrtcVadStream(self._module.Vad(self._aggressiveness))


class WebrtcVadStream:
    """Per-frame decisions: 1.0 for speech, 0.0 for not."""

    def __init__(self, vad) -> None:  # noqa: ANN001 - webrtcvad.Vad
        self._vad = vad

    def feed(self, frame: bytes) -> float:
        """Classify one 20 ms frame."""
        if len(frame) != FRAME_BYTES:
            raise ValueError(f"webrtc VAD takes 20 ms frames of {FRAME_BYTES} bytes, got {len(frame)}")
        return 1.0 if self._vad.is_speech(frame, SAMPLE_RATE) else 0.0
