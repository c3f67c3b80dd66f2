"""Recognise what a file or folder offered as a model is, before anything is copied."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from appliance.errors import ModelKindError
from appliance.models.manifest import Engine, Role

GGUF_MAGIC = b"GGUF"
ACCEPTED = ("a GGUF language model file, a Piper voice (.onnx with its .onnx.json), "
            "a Vosk model folder, a Whisper CTranslate2 folder, a Silero VAD .onnx or a Smart Turn .onnx")


@dataclass(frozen=True)
class DetectedModel:
    """What `detect_model` found: the role and engine, and the files to copy."""

    role: Role
    engine: Engine
    kind: str
    files: tuple[Path, ...]  # for a folder model: the folder itself
    is_folder: bool


def detect_model(path: Path) -> DetectedModel:
    """Identify `path`, or raise `ModelKindError` saying what was expected."""
    if not path.exists():
        raise ModelKindError(f"{path} does not exist")
    if path.is_dir():
        return _detect_folder(path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head[:4] == GGUF_MAGIC:
        version = struct.unpack("<I", head[4:8])[0] if len(head) == 8 else 0
        if version not in (2, 3):
            raise ModelKindError(f"{path} has a GGUF header of unknown version {version}")
        return DetectedModel(Role.LLM, Engine.LLAMA_CPP, "GGUF language model", (path,), False)
    if path.suffix == ".onnx":
        config = _piper_config(path)
        if config is not None:
            return DetectedModel(Role.TTS, Engine.PIPER, "Piper voice", (path, config), False)
        inputs = _onnx_inputs(path)
        if "input" in inputs and ({"h", "c"} <= inputs or "state" in inputs):
            return DetectedModel(Role.VAD, Engine.SILERO, "Silero VAD", (path,), False)
        if inputs == {"input_features"}:
            return DetectedModel(Role.TURN, Engine.SMART_TURN, "Smart Turn end-of-turn model", (path,), False)
    raise ModelKindError(f"{path} is not a model this appliance can use; expected {ACCEPTED}")


def check_role(detected: DetectedModel, role: Role, path: Path) -> None:
    """Raise `ModelKindError` when the detected model cannot serve `role`."""
    if detected.role != role:
        raise ModelKindError(
            f"{path} is a {detected.kind} (role {detected.role}), not a {role} model"
        )


def _detect_folder(path: Path) -> DetectedModel:
    if (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file():
        return DetectedModel(Role.STT, Engine.VOSK, "Vosk model folder", (path,), True)
    vocab = any((path / n).is_file() for n in ("vocabulary.txt", "vocabulary.json", "tokenizer.json"))
    if (path / "model.bin").is_file() and (path / "config.json").is_file() and vocab:
        return DetectedModel(Role.STT, Engine.FASTER_WHISPER, "Whisper CTranslate2 folder", (path,), True)
    voices = sorted(path.glob("*.onnx"))
    if len(voices) == 1 and _piper_config(voices[0]) is not None:
        return DetectedModel(Role.TTS, Engine.PIPER, "Piper voice folder", (path,), True)
    raise ModelKindError(f"{path} is a folder but not a model this appliance can use; expected {ACCEPTED}")


def _piper_config(onnx: Path) -> Path | None:
    """The voice's JSON config beside `onnx`, if it is a Piper voice config."""
    for candidate in (onnx.with_name(onnx.name + ".json"), onnx.with_suffix(".json")):
        if candidate.is_file():
            try:
                config = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ModelKindError(f"{candidate} is not valid JSON") from None
            if isinstance(config, dict) and "phoneme_id_map" in config and "audio" in config:
                return candidate
    return None


def _onnx_inputs(onnx: Path) -> set[str]:
    """The input names of an ONNX model; empty when it does not load."""
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - any load failure means "not a usable ONNX model"
        return set()
    return {i.name for i in session.get_inputs()}
