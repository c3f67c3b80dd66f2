"""The model manifest: which models exist, what role they serve, where their bytes come from.

`models/manifest.toml` (tracked) lists the models shipped in registry packages;
`models/added.toml` (written by `appliance models add`) lists those a clinic supplied.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from appliance.errors import ModelError

MANIFEST_NAME = "manifest.toml"
ADDED_NAME = "added.toml"


class Role(StrEnum):
    """What a model does in a call."""

    STT = "stt"
    LLM = "llm"
    TTS = "tts"
    VAD = "vad"
    TURN = "turn"


class Engine(StrEnum):
    """The adapter that runs a model."""

    FASTER_WHISPER = "faster-whisper"
    VOSK = "vosk"
    POCKETSPHINX = "pocketsphinx"
    MOONSHINE = "moonshine"
    LLAMA_CPP = "llama-cpp"
    PIPER = "piper"
    SILERO = "silero"
    WEBRTC = "webrtc"
    SMART_TURN = "smart-turn"


ENGINE_ROLES: dict[Engine, Role] = {
    Engine.FASTER_WHISPER: Role.STT,
    Engine.VOSK: Role.STT,
    Engine.POCKETSPHINX: Role.STT,
    Engine.MOONSHINE: Role.STT,
    Engine.LLAMA_CPP: Role.LLM,
    Engine.PIPER: Role.TTS,
    Engine.SILERO: Role.VAD,
    Engine.WEBRTC: Role.VAD,
    Engine.SMART_TURN: Role.TURN,
}


class Source(StrEnum):
    """Where a model's bytes come from."""

    PACKAGES = "packages"  # files inside registry packages, joined in order when several
    BUILTIN = "builtin"  # inside the engine library itself: nothing to install
    FILE = "file"  # supplied by the clinic with `appliance models add`


@dataclass(frozen=True)
class Part:
    """One file (or folder) inside an installed registry package.

    With `into`, the model is a folder and this part is (a piece of) its file `into`: parts
    with the same `into` are joined in order."""

    package: str
    version: str
    file: str
    sha256: str = ""
    into: str = ""


@dataclass(frozen=True)
class ModelEntry:
    """One model: its role, engine, installed location (relative to models/) and checksum."""

    name: str
    role: Role
    engine: Engine
    source: Source
    licence: str
    path: str = ""
    size: int = 0
    sha256: str = ""
    default: bool = False
    language: str = "en"
    description: str = ""
    parts: tuple[Part, ...] = field(default_factory=tuple)

    def location(self, models_dir: Path) -> Path | None:
        """Absolute path of the installed file or folder; None for built-in models."""
        return models_dir / self.path if self.path else None


@dataclass(frozen=True)
class Manifest:
    """All known models, shipped first, then those the clinic added."""

    entries: tuple[ModelEntry, ...]

    def get(self, name: str) -> ModelEntry:
        """The entry called `name`, or a `ModelError` listing the known names."""
        for entry in self.entries:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in self.entries)
        raise ModelError(f"unknown model '{name}' (known: {known})")

    def for_role(self, role: Role) -> list[ModelEntry]:
        """Entries serving `role`, in manifest order."""
        return [e for e in self.entries if e.role == role]

    def default(self, role: Role) -> ModelEntry:
        """The model used for `role` when the config names none: the last entry marked default."""
        defaults = [e for e in self.for_role(role) if e.default]
        if not defaults:
            raise ModelError(f"no default {role} model in the manifest")
        return defaults[-1]


def load_manifest(models_dir: Path, shipped: Path | None = None) -> Manifest:
    """Read the shipped manifest and the clinic's added models from `models_dir`."""
    shipped = shipped or models_dir / MANIFEST_NAME
    entries = list(_read_entries(shipped, required=True))
    entries += _read_entries(models_dir / ADDED_NAME, required=False)
    names = [e.name for e in entries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ModelError(f"model names listed twice: {', '.join(dupes)}")
    return Manifest(tuple(entries))


def entry_to_table(entry: ModelEntry) -> dict[str, Any]:
    """The TOML table that `parse_entry` reads back into `entry`."""
    table: dict[str, Any] = {
        "name": entry.name, "role": str(entry.role), "engine": str(entry.engine),
        "source": str(entry.source), "licence": entry.licence, "path": entry.path,
        "size": entry.size, "sha256": entry.sha256, "default": entry.default,
        "language": entry.language, "description": entry.description,
    }
    if entry.parts:
        table["parts"] = [{k: v for k, v in vars(p).items() if v or k != "into"} for p in entry.parts]
    return table


def parse_entry(table: dict[str, Any], where: str) -> ModelEntry:
    """Validate one `[[model]]` table."""
    try:
        name = table["name"]
        role = Role(table["role"])
        engine = Engine(table["engine"])
        source = Source(table.get("source", Source.PACKAGES))
        parts = tuple(Part(**p) for p in table.get("parts", ()))
        known = {"name", "role", "engine", "source", "licence", "path", "size", "sha256",
                 "default", "language", "description", "parts"}
        extra = set(table) - known
        if extra:
            raise ModelError(f"{where}: unknown keys {sorted(extra)}")
        entry = ModelEntry(
            name=name, role=role, engine=engine, source=source,
            licence=table.get("licence", "unknown"), path=table.get("path", ""),
            size=int(table.get("size", 0)), sha256=table.get("sha256", ""),
            default=bool(table.get("default", False)), language=table.get("language", "en"),
            description=table.get("description", ""), parts=parts,
        )
    except KeyError as exc:
        raise ModelError(f"{where}: missing key {exc.args[0]}") from None
    except (ValueError, TypeError) as exc:
        raise ModelError(f"{where}: {exc}") from None
    if ENGINE_ROLES[engine] != role:
        raise ModelError(f"{where}: engine {engine} cannot serve role {role}")
    if source != Source.BUILTIN and not (entry.path and entry.sha256):
        raise ModelError(f"{where}: a {source} model needs path and sha256")
    if source == Source.PACKAGES and not parts:
        raise ModelError(f"{where}: a packaged model needs its parts")
    return entry


def _read_entries(path: Path, required: bool) -> list[ModelEntry]:
    if not path.is_file():
        if required:
            raise ModelError(f"model manifest not found: {path}")
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot read model manifest {path}: {exc}") from None
    return [parse_entry(t, f"{path.name} model #{i + 1}") for i, t in enumerate(data.get("model", []))]
