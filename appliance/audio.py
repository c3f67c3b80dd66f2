"""PCM helpers: signed 16-bit mono bytes, resampling, framing, levels and WAV files."""

from __future__ import annotations

import io
import math
import wave
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soxr

SAMPLE_RATE = 16000  # audio inside the appliance: 16 kHz mono signed 16-bit PCM
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2  # 640


def to_float(pcm: bytes) -> np.ndarray:
    """s16 bytes -> float32 samples in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def to_pcm(samples: np.ndarray) -> bytes:
    """float samples in [-1, 1] -> s16 bytes (clipped)."""
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()


def resample(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Resample a whole s16 buffer (use `Resampler` for a stream)."""
    if src_rate == dst_rate or not pcm:
        return pcm
    out = soxr.resample(np.frombuffer(pcm, dtype="<i2"), src_rate, dst_rate, quality="HQ")
    return out.astype("<i2").tobytes()


class Resampler:
    """Streaming resampler that keeps filter state between chunks (no clicks at joins)."""

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self._stream = (None if src_rate == dst_rate else
                        soxr.ResampleStream(src_rate, dst_rate, 1, dtype="int16", quality="HQ"))

    def process(self, pcm: bytes, last: bool = False) -> bytes:
        """Resample the next chunk; `last=True` flushes what the filter still holds."""
        if self._stream is None:
            return pcm
        out = self._stream.resample_chunk(np.frombuffer(pcm, dtype="<i2"), last=last)
        return out.astype("<i2").tobytes()


def frames(pcm: bytes, rate: int = SAMPLE_RATE, frame_ms: int = FRAME_MS) -> Iterator[bytes]:
    """Split PCM into whole frames; a short tail is padded with silence."""
    size = rate * frame_ms // 1000 * 2
    for start in range(0, len(pcm), size):
        chunk = pcm[start:start + size]
        yield chunk + b"\0" * (size - len(chunk))


def drop_queued(queue: deque) -> int:
    """Empty a queue of frames that another thread takes from (popleft is atomic); return how
    many were dropped."""
    dropped = 0
    while True:
        try:
            queue.popleft()
        except IndexError:
            return dropped
        dropped += 1


def level_dbfs(pcm: bytes) -> float:
    """RMS level in dBFS (-inf for digital silence)."""
    if not pcm:
        return -math.inf
    rms = float(np.sqrt(np.mean(to_float(pcm) ** 2)))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def trimmed(pcm: bytes, floor_dbfs: float = -45.0, margin_ms: int = 30, tail: bool = True) -> bytes:
    """`pcm` (16 kHz s16) without the silence before its first sound (and, with `tail`, after its
    last): 10 ms windows quieter than `floor_dbfs`, keeping `margin_ms` on each side."""
    step = SAMPLE_RATE // 100 * 2
    loud = [i for i in range(0, len(pcm) - step + 1, step) if level_dbfs(pcm[i:i + step]) > floor_dbfs]
    if not loud:
        return b""
    margin = SAMPLE_RATE * margin_ms // 1000 * 2
    return pcm[max(0, loud[0] - margin):loud[-1] + step + margin if tail else len(pcm)]


def duration_s(pcm: bytes, rate: int = SAMPLE_RATE) -> float:
    """Length of s16 mono PCM in seconds."""
    return len(pcm) / 2 / rate


def read_wav(path: Path, rate: int = SAMPLE_RATE) -> bytes:
    """Read a 16-bit WAV file as mono PCM at `rate`."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit WAV is supported")
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        if wav.getnchannels() > 1:
            data = data.reshape(-1, wav.getnchannels()).mean(axis=1).astype("<i2")
        return resample(data.tobytes(), wav.getframerate(), rate)


def write_wav(path: Path, pcm: bytes, rate: int = SAMPLE_RATE) -> None:
    """Write mono s16 PCM as a WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


def stereo_wav(left: bytes, right: bytes, rate: int = SAMPLE_RATE) -> bytes:
    """Two mono s16 PCM streams as one stereo WAV file's bytes (the shorter padded with silence):
    a call's recording, caller left, agent right."""
    a, b = np.frombuffer(left, dtype="<i2"), np.frombuffer(right, dtype="<i2")
    frames = np.zeros((max(len(a), len(b)), 2), dtype="<i2")
    frames[:len(a), 0], frames[:len(b), 1] = a, b
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames.tobytes())
    return out.getvalue()
