"""Synthesized test speech (espeak-ng), for benchmarks, the demo caller and tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from appliance.audio import read_wav, write_wav
from appliance.errors import ApplianceError
from appliance.models.protocols import SAMPLE_RATE


class SpeechSynthError(ApplianceError):
    """espeak-ng is missing or failed."""

    code = "speech.synth"


def espeak(text: str, voice: str = "en-us", words_per_minute: int = 160,
           rate: int = SAMPLE_RATE, pitch: int = 50) -> bytes:
    """Speak `text` with espeak-ng; return mono s16 PCM at `rate`."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechSynthError("espeak-ng is not installed (installer/install.sh installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        proc = subprocess.run(
            [binary, "-v", voice, "-s", str(words_per_minute), "-p", str(pitch), "-w", str(wav), text],
            capture_output=True, text=True,
        )
        if proc.returncode != 0 or not wav.exists():
            raise SpeechSynthError(f"espeak-ng failed: {proc.stderr.strip()}")
        return read_wav(wav, rate)


def shifted_piper(tts, text: str, cents: int = 300, tempo: float = 1.1) -> bytes:  # noqa: ANN001
    """A second voice from the agent's Piper voice: pitch raised, a little faster (sox), and
    without Piper's random variation, so each line sounds the same every time."""
    binary = shutil.which("sox")
    if binary is None:
        raise SpeechSynthError("sox is not installed (installer/install.sh installs it)")
    pcm = b"".join(tts.synthesize(text, SAMPLE_RATE, steady=True))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_wav(src, pcm)
        proc = subprocess.run([binary, "-q", str(src), str(dst), "gain", "-3", "pitch", str(cents),
                               "tempo", str(tempo)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SpeechSynthError(f"sox failed: {proc.stderr.strip()}")
        return read_wav(dst, SAMPLE_RATE)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> bytes:
    """Digital silence."""
    return b"\0\0" * int(seconds * rate)
