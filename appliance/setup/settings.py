"""The settings set-up asks for, as edits of the config file: checked first, then saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appliance.config.writer import Edits, preview_config, save_config
from appliance.errors import ApplianceError, ConfigError
from appliance.setup.result import SettingsResult

PROFILE_KEYS = ("name", "timezone", "address", "phone", "hours")  # the [clinic] keys set-up asks for


def trunk_edits(registrar: str, user: str, transport: str, password: str = "") -> dict[str, Any]:
    """The [sip] edits for a trunk: registering when a registrar is given; the password only when one was typed."""
    values: dict[str, Any] = {"register": bool(registrar), "registrar": registrar, "user": user,
                              "transport": transport}
    if password:
        values["password"] = password
    return values


def check_settings(path: Path, edits: Edits) -> SettingsResult:
    """The config file at `path` with `edits` applied, checked by `parse_config`; nothing is written."""
    try:
        config = preview_config(path, edits)
    except ConfigError as exc:
        return SettingsResult(False, exc.args[0])
    return SettingsResult(True, "the settings are valid", config=config)


def save_settings(path: Path, edits: Edits) -> SettingsResult:
    """Write `edits` to the config file at `path` (the secrets beside it); nothing is written when a value is bad."""
    try:
        config = save_config(path, edits)
    except ApplianceError as exc:
        return SettingsResult(False, exc.args[0])
    return SettingsResult(True, f"settings saved to {path}", config=config)
