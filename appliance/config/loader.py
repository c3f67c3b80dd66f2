"""Turn parsed TOML tables into frozen dataclasses, checking every key and value."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any, Literal

from appliance.errors import ConfigError


def build(cls: type, data: Any, prefix: str = "") -> Any:
    """Instantiate dataclass `cls` from `data`; `ConfigError` names the first bad key."""
    return _build(cls, data, prefix)


def _build(cls: type, data: Any, prefix: str) -> Any:
    """Instantiate dataclass `cls` from `data`, checking keys and value types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'the file'} must be a table, got {_kind(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = [key for key in data if key not in fields]
    if unknown:
        key = unknown[0]
        hint = difflib.get_close_matches(key, fields, n=1)
        suggestion = f" (did you mean '{prefix}{hint[0]}'?)" if hint else ""
        raise ConfigError(f"unknown key '{prefix}{key}'{suggestion}")
    values = {name: _coerce(hints[name], value, f"{prefix}{name}") for name, value in data.items()}
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(exc.args[0]) from None


def _coerce(hint: Any, value: Any, key: str) -> Any:
    """Check one value against its annotation and convert it (paths, nested tables)."""
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, f"{key}.")
    origin = typing.get_origin(hint)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ConfigError(f"{key} must be one of {choices}, got {value!r}")
        return value
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(options[0], value, key)
    if origin is dict:
        key_hint, value_hint = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table, got {_kind(value)}")
        return {k: _coerce(value_hint, v, f"{key}.{k}") for k, v in value.items()}
    if origin in (list, tuple):
        (item_hint, *_) = typing.get_args(hint) or (Any,)
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, got {_kind(value)}")
        items = [_coerce(item_hint, v, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key} must be a path (a non-empty string), got {_kind(value)}")
        return Path(value).expanduser()
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is Any or (isinstance(hint, type) and isinstance(value, hint) and not (
        hint is int and isinstance(value, bool)
    )):
        return value
    raise ConfigError(f"{key} must be {_kind_name(hint)}, got {_kind(value)}")


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "true/false",
            int: "a whole number", float: "a number"}.get(type(value), type(value).__name__)


def _kind_name(hint: Any) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )
