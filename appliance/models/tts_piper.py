"""Text to speech with Piper: one chunk per sentence, resampled to the call's rate.

piper-tts is GPL-3.0-or-later; see the README for what that means for the product.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from appliance.audio import Resampler
from appliance.errors import EngineError
from appliance.models.protocols import SAMPLE_RATE


def voice_files(path: Path) -> tuple[Path, Path]:
    """The .onnx model and its .onnx.json config inside a voice folder (or beside a file)."""
    onnx = path if path.is_file() else next(iter(sorted(path.glob("*.onnx"))), None)
    if onnx is None:
        raise EngineError(f"no Piper .onnx voice in {path}")
    config = onnx.with_name(onnx.name + ".json")
    if not config.is_file():
        raise EngineError(f"Piper voice {onnx} has no config {config.name} beside it")
    return onnx, config


class PiperTts:
    """A loaded Piper voice."""

    def __init__(self, path: Path, name: str = "piper", device: str = "cpu",
                 length_scale: float | None = None) -> None:
        from piper import PiperVoice, SynthesisConfig

        self.name = name
        onnx, config = voice_files(path)
        try:
            self._voice = PiperVoice.load(onnx, config_path=config, use_cuda=device == "cuda")
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"Piper could not load {onnx}: {exc}") from exc
        self.native_rate = self._voice.config.sample_rate
        self._syn_config = SynthesisConfig(length_scale=length_scale)
        self._steady_config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)

    def synthesize(self, text: str, rate: int = SAMPLE_RATE, steady: bool = False) -> Iterator[bytes]:
        """Yield one PCM chunk per sentence at `rate` as soon as it is synthesized.

        `steady` turns off Piper's random variation: the same text gives the same audio
        (for test callers, so a test hears the same words every run)."""
        if not text.strip():
            return
        resampler = Resampler(self.native_rate, rate)
        try:
            config = self._steady_config if steady else self._syn_config
            for chunk in self._voice.synthesize(text, syn_config=config):
                out = resampler.process(chunk.audio_int16_bytes)
                if out:
                    yield out
            tail = resampler.process(b"", last=True)
            if tail:
                yield tail
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"Piper failed on {text[:40]!r}: {exc}") from exc

    def close(self) -> None:
        """Drop the voice."""
        self._voice = None
