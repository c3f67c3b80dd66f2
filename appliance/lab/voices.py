"""Caller voices for benchmarks and tests, and what a phone line does to them.

Voices come from Debian's espeak-ng, flite and festival (installer/debian-packages.txt):
none of them is the agent's Piper voice, so a recogniser is not judged on the voice it
answers with. `telephone` and `with_noise` turn clean speech into a caller on a phone line.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from appliance.audio import read_wav, resample, to_float, to_pcm
from appliance.errors import ApplianceError
from appliance.models.protocols import SAMPLE_RATE

CALLER_VOICES: tuple[str, ...] = ("espeak", "flite-slt", "flite-rms", "flite-awb", "flite-kal", "festival-hts")

PHONE_RATE = 8000
MU = 255.0


class SpeechSynthError(ApplianceError):
    """A speech synthesizer is missing or failed."""

    code = "speech.synth"


def synthesize(text: str, voice: str) -> bytes:
    """Speak `text` in one of `CALLER_VOICES`; 16 kHz mono s16 PCM."""
    if voice == "espeak":
        return espeak(text)
    if voice.startswith("flite-") and voice in CALLER_VOICES:
        return _run(["flite", "-voice", voice.removeprefix("flite-"), "-t", text, "-o", "{wav}"])
    if voice == "festival-hts":
        return _run(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", "{wav}"], stdin=text)
    raise SpeechSynthError(f"unknown caller voice '{voice}' (known: {', '.join(CALLER_VOICES)})")


def espeak(text: str, voice: str = "en-us", words_per_minute: int = 160, rate: int = SAMPLE_RATE,
              pitch: int = 50) -> bytes:
    """Speak `text` with espeak-ng; mono s16 PCM at `rate`."""
    return _run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-p", str(pitch), "-w", "{wav}",
                 text], rate=rate)


def _run(cmd: list[str], stdin: str | None = None, rate: int = SAMPLE_RATE) -> bytes:
    """Run a synthesizer that writes a WAV file where `{wav}` stands in `cmd`."""
    if shutil.which(cmd[0]) is None:
        raise SpeechSynthError(f"{cmd[0]} is not installed (installer/install.sh installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        proc = subprocess.run([str(wav) if arg == "{wav}" else arg for arg in cmd], input=stdin,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not wav.exists() or wav.stat().st_size <= 44:
            raise SpeechSynthError(f"{cmd[0]} failed: {proc.stderr.strip()[-300:]}")
        return read_wav(wav, rate)


def telephone(pcm: bytes) -> bytes:
    """A narrowband call: 300-3400 Hz, 8 kHz G.711 mu-law, back to 16 kHz."""
    narrow = to_float(resample(to_pcm(band_pass(to_float(pcm), 300, 3400)), SAMPLE_RATE, PHONE_RATE))
    return resample(to_pcm(mulaw_decode(mulaw_encode(narrow))), PHONE_RATE, SAMPLE_RATE)


def band_pass(samples: np.ndarray, low: float, high: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Keep `low`..`high` Hz of a whole buffer (FFT mask with 100 Hz cosine edges)."""
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    edge = 100.0
    rise = np.clip((freqs - low + edge) / edge, 0, 1)
    fall = np.clip((high + edge - freqs) / edge, 0, 1)
    gain = np.sin(np.pi / 2 * np.minimum(rise, fall)) ** 2
    return np.fft.irfft(spectrum * gain, len(samples))


def mulaw_encode(samples: np.ndarray) -> np.ndarray:
    """8-bit mu-law codes of float samples (the smooth mu = 255 curve G.711 approximates)."""
    x = np.clip(samples, -1.0, 1.0)
    y = np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)
    return np.round((y + 1) / 2 * 255).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """Float samples from G.711 mu-law bytes."""
    y = codes.astype(np.float32) / 255 * 2 - 1
    return np.sign(y) * np.expm1(np.abs(y) * np.log1p(MU)) / MU


def with_noise(pcm: bytes, snr_db: float, seed: int = 0) -> bytes:
    """Add pink noise at `snr_db` below the speech, measured over the speech's active parts."""
    speech = to_float(pcm).astype(np.float64)
    noise = pink_noise(len(speech), seed)
    gain = np.sqrt(active_power(speech) / np.mean(noise ** 2) / 10 ** (snr_db / 10))
    return to_pcm(speech + gain * noise)


def pink_noise(n: int, seed: int = 0) -> np.ndarray:
    """`n` samples of 1/f noise (white noise shaped in the frequency domain)."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    return np.fft.irfft(spectrum, n)


def active_power(samples: np.ndarray, frame: int = SAMPLE_RATE // 50, floor_db: float = 30.0) -> float:
    """Mean power of the 20 ms frames within `floor_db` of the loudest one (pauses left out)."""
    usable = len(samples) // frame * frame
    power = np.mean(samples[:usable].reshape(-1, frame) ** 2, axis=1) if usable else np.array([0.0])
    active = power[power >= power.max() / 10 ** (floor_db / 10)]
    return float(np.mean(active)) if power.max() > 0 else 0.0
