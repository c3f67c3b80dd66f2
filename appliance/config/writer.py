"""Write edited settings to the config file: checked first, written atomically, other keys kept.

The SIP password and the webhook secret never go to the config file: they are written to
`secrets.toml` beside it (mode 0600; it keeps its owner, the service's user on an installed box;
a new one gets the config file's owner). Saving also moves secrets an older config file still
holds into that file.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from appliance.config import Config, parse_config
from appliance.config.files import SECRET_KEYS, Table, merged, read_secrets, read_table, secrets_path, split_secrets
from appliance.errors import ApplianceError

NEW_FILE_MODE = 0o640  # the service's group (the front desk) may read the settings
SECRETS_MODE = 0o600

Edits = dict[str, dict[str, Any]]  # section -> key -> value


class ConfigWriteError(ApplianceError):
    """The config file could not be written (the settings were valid)."""

    code = "config.unwritable"


def with_edits(table: Table, edits: Edits) -> Table:
    """`table` with `edits` applied. A key the file lacks is only added when its value differs from
    the built-in default, so the file keeps to what the clinic chose; every other key stays as it was."""
    defaults = Config()
    result = copy.deepcopy(table)
    for section, values in edits.items():
        current = result.setdefault(section, {})
        for key, value in values.items():
            if key in current or value != getattr(getattr(defaults, section), key):
                current[key] = value
        if not current:
            del result[section]
    return result


def _plan(path: Path, edits: Edits) -> tuple[Config, Table, Table | None]:
    """(the configuration checked by `parse_config`, the config file's new tables, the secrets file's
    new tables or None when that file stays as it is)."""
    secret_edits: Edits = {}
    plain_edits: Edits = {}
    for section, values in edits.items():
        for key, value in values.items():
            target = secret_edits if (section, key) in SECRET_KEYS else plain_edits
            target.setdefault(section, {})[key] = value
    main, moved = split_secrets(with_edits(read_table(path, missing_ok=True), plain_edits))
    secrets = None
    if secret_edits or moved:
        secrets = with_edits(merged(moved, read_table(secrets_path(path), missing_ok=True)), secret_edits)
    config = parse_config(merged(main, read_secrets(path) if secrets is None else secrets), str(path))
    return config, main, secrets


def preview_config(path: Path, edits: Edits) -> Config:
    """The configuration `save_config(path, edits)` would write, checked by `parse_config`; nothing is written."""
    return _plan(path, edits)[0]


def save_config(path: Path, edits: Edits) -> Config:
    """Apply `edits` to the file at `path` (secrets to `secrets.toml` beside it); return the new configuration.

    The result is checked with `parse_config` first: on a `ConfigError` nothing is written.
    A file that cannot be written raises `ConfigWriteError` saying what to do."""
    config, main, secrets = _plan(path, edits)
    if secrets is not None:
        secrets_file = secrets_path(path)
        write_atomically(secrets_file, tomli_w.dumps(secrets), SECRETS_MODE, _owner(secrets_file) or _owner(path))
    write_atomically(path, tomli_w.dumps(main))
    return config


def write_atomically(path: Path, text: str, mode: int | None = None, owner: tuple[int, int] | None = None) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    `mode` and `owner` (uid, gid) default to the existing file's (a new file: `NEW_FILE_MODE`, this user)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = mode if mode is not None else path.stat().st_mode & 0o7777
        owner = owner or _owner(path)
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
        if owner is not None and owner != _owner(tmp):
            with contextlib.suppress(PermissionError):  # only root can give a file away
                os.chown(tmp, *owner)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _owner(path: Path) -> tuple[int, int] | None:
    """(uid, gid) of `path`; None when it does not exist."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_uid, stat.st_gid


def _write_error(path: Path, exc: OSError) -> ConfigWriteError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ConfigWriteError(f"cannot write {path}: permission denied - ask IT or run as the appliance admin")
    return ConfigWriteError(f"cannot write {path}: {exc.strerror or exc}")
