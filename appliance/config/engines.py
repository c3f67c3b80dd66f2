"""Configuration of the inference engines and where models and data live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from appliance.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class EnginesConfig:
    """Where inference runs: `auto` uses a GPU when the engine's build can, else the CPU."""

    device: Device = "auto"
    threads: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.threads <= 64:
            raise ConfigError(f"engines.threads must be 1..64, got {self.threads}")


@dataclass(frozen=True)
class ModelsConfig:
    """Which installed model serves each role; empty means the manifest's default.

    `stt_fallback` names a second STT model that answers when the first fails, hears
    nothing in audio with speech, or cannot be loaded; empty means none."""

    stt: str = ""
    llm: str = ""
    tts: str = ""
    vad: str = ""
    turn: str = ""
    stt_fallback: str = "whisper-tiny.en"


@dataclass(frozen=True)
class LlmConfig:
    """Hard limits for one LLM reply."""

    context_tokens: int = 2048
    max_tokens: int = 96
    time_budget_s: float = 4.0
    temperature: float = 0.2

    def __post_init__(self) -> None:
        if not 256 <= self.context_tokens <= 131072:
            raise ConfigError(f"llm.context_tokens must be 256..131072, got {self.context_tokens}")
        if not 1 <= self.max_tokens <= 4096:
            raise ConfigError(f"llm.max_tokens must be 1..4096, got {self.max_tokens}")
        if not 0.1 <= self.time_budget_s <= 120:
            raise ConfigError(f"llm.time_budget_s must be 0.1..120, got {self.time_budget_s}")


@dataclass(frozen=True)
class SttConfig:
    """Speech recognition settings."""

    # Whisper re-decodes for a partial (the words shown live) this often; 0 = off: a final decode
    # queued behind one waits up to its whole length (p95 +115 ms a turn, measured)
    partial_interval_s: float = 0.0
    beam_size: int = 1
    window_s: float = 8.0  # Whisper encoder window; 30 is Whisper's own, slower on short turns
    use_hint: bool = True  # Whisper is prompted with the clinic's words and the forms of the answer expected

    def __post_init__(self) -> None:
        if not 0 <= self.partial_interval_s <= 10:
            raise ConfigError(f"stt.partial_interval_s must be 0..10, got {self.partial_interval_s}")
        if not 1 <= self.beam_size <= 10:
            raise ConfigError(f"stt.beam_size must be 1..10, got {self.beam_size}")
        if not 8 <= self.window_s <= 30:
            raise ConfigError(f"stt.window_s must be 8..30, got {self.window_s}")


@dataclass(frozen=True)
class TtsConfig:
    """Speech synthesis settings."""

    length_scale: float | None = None  # < 1 speaks faster; empty = the voice's own

    def __post_init__(self) -> None:
        if self.length_scale is not None and not 0.5 <= self.length_scale <= 2.0:
            raise ConfigError(f"tts.length_scale must be 0.5..2.0, got {self.length_scale}")


@dataclass(frozen=True)
class VadConfig:
    """Voice activity detection settings."""

    threshold: float = 0.5  # speech probability above which a frame counts as speech
    aggressiveness: int = 3  # WebRTC VAD only, 0..3

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ConfigError(f"vad.threshold must be between 0 and 1, got {self.threshold}")
        if not 0 <= self.aggressiveness <= 3:
            raise ConfigError(f"vad.aggressiveness must be 0..3, got {self.aggressiveness}")


@dataclass(frozen=True)
class PathsConfig:
    """Where model files and runtime data live."""

    models: Path = PROJECT_ROOT / "models"
    data: Path = PROJECT_ROOT / "var"
