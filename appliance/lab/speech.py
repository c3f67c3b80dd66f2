"""Synthesized test speech for benchmarks, the demo caller and tests (more voices: `voices`)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from appliance.audio import read_wav, write_wav
from appliance.lab.voices import SpeechSynthError, espeak
from appliance.models.protocols import SAMPLE_RATE

__all__ = ["SpeechSynthError", "espeak", "shifted_piper", "silence"]


def shifted_piper(tts, text: str, cents: int = 300, tempo: float = 1.1) -> bytes:
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
                               "tempo", str(tempo)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SpeechSynthError(f"sox failed: {proc.stderr.strip()}")
        return read_wav(dst, SAMPLE_RATE)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> bytes:
    """Digital silence."""
    return b"\0\0" * int(seconds * rate)

