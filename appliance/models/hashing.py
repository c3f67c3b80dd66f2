"""Checksums for model files and model folders."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

CHUNK = 4 * 1024 * 1024

Progress = Callable[[int], None]


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    """Hex sha256 of one file, reporting bytes read to `progress`."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def sha256_tree(path: Path, progress: Progress | None = None) -> str:
    """Hex sha256 of a file, or of a folder as the sorted list of its files' paths and hashes."""
    if path.is_file():
        return sha256_file(path, progress)
    lines = [
        f"{f.relative_to(path).as_posix()}\0{sha256_file(f, progress)}\n"
        for f in sorted(p for p in path.rglob("*") if p.is_file())
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def tree_size(path: Path) -> int:
    """Bytes in a file, or in all files below a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
