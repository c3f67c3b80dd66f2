"""The config file's TOML on disk, and `secrets.toml` beside it for the SIP password, the webhook
secret and the calendar password."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from appliance.errors import ConfigError

SECRETS_FILE = "secrets.toml"
SECRET_KEYS = (("sip", "password"), ("crm", "webhook_secret"), ("calendar", "password"))

Table = dict[str, Any]


def read_table(path: Path, missing_ok: bool = False) -> Table:
    """The file's TOML tables; `{}` for a missing file when `missing_ok`, else `ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        if missing_ok and isinstance(exc, FileNotFoundError):
            return {}
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def secrets_path(config_path: Path) -> Path:
    """Where the secrets of the config file at `config_path` are kept."""
    return config_path.parent / SECRETS_FILE


def secrets_withheld(config_path: Path) -> bool:
    """True when a secrets file exists that this user may not read (the front desk's case)."""
    path = secrets_path(config_path)
    return path.exists() and not os.access(path, os.R_OK)


def read_secrets(config_path: Path) -> Table:
    """The secrets beside `config_path`; `{}` when there are none or this user may not read them."""
    path = secrets_path(config_path)
    return read_table(path) if os.access(path, os.R_OK) else {}


def merged(base: Table, over: Table) -> Table:
    """`base` with `over`'s values on top, table by table."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if both else value
    return out


def split_secrets(table: Table) -> tuple[Table, Table]:
    """(`table` without its secret keys, the secret keys' values)."""
    main = {key: dict(value) if isinstance(value, dict) else value for key, value in table.items()}
    secrets: Table = {}
    for section, key in SECRET_KEYS:
        values = main.get(section)
        if isinstance(values, dict) and key in values:
            secrets.setdefault(section, {})[key] = values.pop(key)
            if not values:
                del main[section]
    return main, secrets
