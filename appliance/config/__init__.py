"""The appliance's configuration: one TOML file read into frozen dataclasses.

Every value is checked when the file is read; a bad value raises `ConfigError` naming the key
and what was expected, so the clinic's IT person can fix the file without reading code.
Secrets are never part of an error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.calendar import CalendarConfig
from appliance.config.clinic import ClinicConfig, VoiceConfig
from appliance.config.engines import (
    PROJECT_ROOT, EnginesConfig, LlmConfig, ModelsConfig, PathsConfig, SttConfig, TtsConfig, VadConfig,
)
from appliance.config.files import merged, read_secrets, read_table
from appliance.config.loader import build
from appliance.config.reminders import RemindersConfig
from appliance.config.store import CrmConfig
from appliance.config.telephony import SipConfig, TransferConfig
from appliance.errors import ConfigError

__all__ = ["PROJECT_ROOT", "CalendarConfig", "ClinicConfig", "Config", "CrmConfig", "EnginesConfig", "LlmConfig",
           "ModelsConfig", "PathsConfig", "RemindersConfig", "SipConfig", "SttConfig", "TransferConfig", "TtsConfig",
           "VadConfig", "VoiceConfig", "config_file_path", "load_config", "parse_config"]

CONFIG_ENV = "APPLIANCE_CONFIG"
DEFAULT_CONFIG_PATHS = (Path("/etc/appliance/appliance.toml"),)


@dataclass(frozen=True)
class Config:
    """The whole configuration file."""

    engines: EnginesConfig = field(default_factory=EnginesConfig)
    models: ModelsConfig = field(default_factory=ModelsConfig)
    llm: LlmConfig = field(default_factory=LlmConfig)
    stt: SttConfig = field(default_factory=SttConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    sip: SipConfig = field(default_factory=SipConfig)
    transfer: TransferConfig = field(default_factory=TransferConfig)
    clinic: ClinicConfig = field(default_factory=ClinicConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    crm: CrmConfig = field(default_factory=CrmConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    """Build a `Config` from a parsed TOML table, raising `ConfigError` on any bad value."""
    try:
        return build(Config, data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.args[0]}") from None


def _named_config_file(path: Path | None) -> Path | None:
    """`path`, else $APPLIANCE_CONFIG, else the first default file that exists; None when there is none."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return next((p for p in DEFAULT_CONFIG_PATHS if p.is_file()), None)


def config_file_path(path: Path | None = None) -> Path:
    """The config file in force (as `load_config` picks it), or where a new one goes: /etc/appliance."""
    return _named_config_file(path) or DEFAULT_CONFIG_PATHS[0]


def load_config(path: Path | None = None) -> Config:
    """Read the config file: `path`, else $APPLIANCE_CONFIG, else /etc/appliance, else defaults.

    `secrets.toml` beside the file (the SIP password and the webhook secret, mode 0600) is merged
    in when it exists and this user may read it; its keys override the file's. A secrets file this
    user may not read (the front-desk window's user) is skipped without a word: the window never
    needs the secrets, and the service would report the missing password as a refused registration.
    """
    path = _named_config_file(path)
    if path is None:
        return Config()
    data = merged(read_table(path), read_secrets(path))
    return parse_config(data, str(path))
