"""Voice activity with Silero VAD (ONNX), streamed in 32 ms windows with carried state.

Two exports of the model run here, told apart by their inputs: v5 (`input`, `state`, `sr`) and
v6 (`input`, `h`, `c`, 16 kHz only). On phone-band speech v5 scores far better: of the speech
windows of flite's voices through a telephone channel, v5 scores 90-96% as speech, v6 24-63%
(the VAD then noticed turns words late, or not at all); both score stationary noise and hum
below 0.15.

The carried (recurrent) state drifts over a long silence and the model grows deaf: a phone
voice whose words peak at 0.8-0.9 after a second of silence peaks at 0.52-0.58 after the 18 s a
patient listens to a reminder call's greeting, and a short answer ("Yes, I'll be there.") may
never reach the threshold. So each `RESET_AFTER_S` of windows that are clearly not speech reset
the state to the one every call starts with (the audio context is kept): the model needs no
memory of silence, and the drift of a few seconds is small.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from appliance.audio import SAMPLE_RATE, to_float
from appliance.models.onnx import onnx_session

WINDOW = 512  # samples at 16 kHz
CONTEXT = 64
QUIET_BELOW = 0.1  # a window scored below this is clearly not speech...
RESET_AFTER_S = 2.0  # ...and this long a run of them resets the carried state
RESET_AFTER_WINDOWS = round(RESET_AFTER_S * SAMPLE_RATE / WINDOW)
RATE = np.array(SAMPLE_RATE, dtype=np.int64)  # v5's `sr` input


class SileroVad:
    """A loaded Silero VAD model shared by all calls (each call has its own state)."""

    def __init__(self, path: Path, name: str = "silero-vad", threshold: float = 0.5) -> None:
        self.name = name
        self.threshold = threshold
        self._session = onnx_session(path, "Silero VAD")
        self._v5 = "state" in {i.name for i in self._session.get_inputs()}

    def stream(self) -> "SileroVadStream":
        """A detector for one call."""
        return SileroVadStream(self._session, self._v5)


class SileroVadStream:
    """Buffers 20 ms frames into 32 ms windows; each frame gets the latest window's score."""

    def __init__(self, session, v5: bool) -> None:  # noqa: ANN001 - onnxruntime.InferenceSession
        self._session = session
        self._v5 = v5  # the v5 export's inputs (see the module's doc), else v6's
        self._state = self._fresh_state()
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._prob = 0.0
        self._quiet = 0  # windows in a row scored below `QUIET_BELOW`

    def _fresh_state(self) -> dict[str, np.ndarray]:
        if self._v5:
            return {"state": np.zeros((2, 1, 128), dtype=np.float32)}
        return {"h": np.zeros((1, 1, 128), dtype=np.float32), "c": np.zeros((1, 1, 128), dtype=np.float32)}

    def feed(self, frame: bytes) -> float:
        """Take one 20 ms frame; return the speech probability of the newest full window."""
        self._pending = np.concatenate([self._pending, to_float(frame)])
        while len(self._pending) >= WINDOW:
            window, self._pending = self._pending[:WINDOW], self._pending[WINDOW:]
            inputs = {"input": np.concatenate([self._context, window])[None, :], **self._state}
            if self._v5:
                inputs["sr"] = RATE
            out, *state = self._session.run(None, inputs)
            self._state = dict(zip(self._state, state, strict=True))
            self._context = window[-CONTEXT:]
            self._prob = float(out.reshape(-1)[0])
            self._quiet = self._quiet + 1 if self._prob < QUIET_BELOW else 0
            if self._quiet >= RESET_AFTER_WINDOWS:  # a long silence: forget it (see the module's doc)
                self._state, self._quiet = self._fresh_state(), 0
        return self._prob
