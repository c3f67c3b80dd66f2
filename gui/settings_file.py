"""Write edited settings back to the config file: checked first, written atomically, other keys kept."""

from __future__ import annotations

import copy
import errno
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from appliance.config import Config, parse_config
from appliance.errors import ApplianceError, ConfigError

NEW_FILE_MODE = 0o640  # a new file holds the trunk password: not world-readable

Edits = dict[str, dict[str, Any]]  # section -> key -> value


class ConfigWriteError(ApplianceError):
    """The config file could not be written (the settings were valid)."""

    code = "config.unwritable"


def read_table(path: Path) -> dict[str, Any]:
    """The file's TOML tables as they stand; empty when the file does not exist yet."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def with_edits(table: dict[str, Any], edits: Edits) -> dict[str, Any]:
    """`table` with `edits` applied. A key the file lacks is only added when its value differs from
    the built-in default, so the file keeps to what the clinic chose; every other key stays as it was."""
    defaults = Config()
    merged = copy.deepcopy(table)
    for section, values in edits.items():
        current = merged.setdefault(section, {})
        for key, value in values.items():
            if key in current or value != getattr(getattr(defaults, section), key):
                current[key] = value
        if not current:
            del merged[section]
    return merged


def save_config(path: Path, edits: Edits) -> Config:
    """Apply `edits` to the file at `path` and return the new configuration.

    The result is checked with `parse_config` first: on a `ConfigError` nothing is written.
    A file that cannot be written raises `ConfigWriteError` saying what to do."""
    data = with_edits(read_table(path), edits)
    config = parse_config(data, str(path))
    write_atomically(path, tomli_w.dumps(data))
    return config


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path` (same mode)."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    except OSError as exc:
        raise _write_error(path, exc) from None
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _write_error(path: Path, exc: OSError) -> ConfigWriteError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ConfigWriteError(f"cannot write {path}: permission denied - ask IT or run as the appliance admin")
    return ConfigWriteError(f"cannot write {path}: {exc.strerror or exc}")
