"""The appliance's configuration: one TOML file read into frozen dataclasses.

Every value is checked when the file is read; a bad value raises `ConfigError` naming the key
and what was expected, so the clinic's IT person can fix the file without reading code.
Secrets are never part of an error message.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from appliance.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV = "APPLIANCE_CONFIG"
DEFAULT_CONFIG_PATHS = (Path("/etc/appliance/appliance.toml"),)

Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class EnginesConfig:
    """Where inference runs: `auto` uses a GPU when the engine's build can, else the CPU."""

    device: Device = "auto"
    threads: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.threads <= 64:
            raise ConfigError(f"engines.threads must be 1..64, got {self.threads}")


@dataclass(frozen=True)
class ModelsConfig:
    """Which installed model serves each role; empty means the manifest's default."""

    stt: str = ""
    llm: str = ""
    tts: str = ""
    vad: str = ""


@dataclass(frozen=True)
class LlmConfig:
    """Hard limits for one LLM reply."""

    context_tokens: int = 2048
    max_tokens: int = 96
    time_budget_s: float = 4.0
    temperature: float = 0.2

    def __post_init__(self) -> None:
        if not 256 <= self.context_tokens <= 131072:
            raise ConfigError(f"llm.context_tokens must be 256..131072, got {self.context_tokens}")
        if not 1 <= self.max_tokens <= 4096:
            raise ConfigError(f"llm.max_tokens must be 1..4096, got {self.max_tokens}")
        if not 0.1 <= self.time_budget_s <= 120:
            raise ConfigError(f"llm.time_budget_s must be 0.1..120, got {self.time_budget_s}")


@dataclass(frozen=True)
class SttConfig:
    """Speech recognition settings."""

    partial_interval_s: float = 0.0  # Whisper re-decodes for a partial this often; 0 = off
    beam_size: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.partial_interval_s <= 10:
            raise ConfigError(f"stt.partial_interval_s must be 0..10, got {self.partial_interval_s}")
        if not 1 <= self.beam_size <= 10:
            raise ConfigError(f"stt.beam_size must be 1..10, got {self.beam_size}")


@dataclass(frozen=True)
class TtsConfig:
    """Speech synthesis settings."""

    length_scale: float | None = None  # < 1 speaks faster; empty = the voice's own

    def __post_init__(self) -> None:
        if self.length_scale is not None and not 0.5 <= self.length_scale <= 2.0:
            raise ConfigError(f"tts.length_scale must be 0.5..2.0, got {self.length_scale}")


@dataclass(frozen=True)
class VadConfig:
    """Voice activity detection settings."""

    threshold: float = 0.5  # speech probability above which a frame counts as speech
    aggressiveness: int = 3  # WebRTC VAD only, 0..3

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ConfigError(f"vad.threshold must be between 0 and 1, got {self.threshold}")
        if not 0 <= self.aggressiveness <= 3:
            raise ConfigError(f"vad.aggressiveness must be 0..3, got {self.aggressiveness}")


@dataclass(frozen=True)
class SipConfig:
    """The clinic's SIP trunk and this box's SIP endpoint.

    With `register = false` nothing registers: the box answers calls sent straight to
    `bind_address:port` (a PBX that routes to it, or a local demo).
    """

    register: bool = False
    registrar: str = ""  # host or host:port of the trunk's registrar
    user: str = ""
    auth_user: str = ""  # empty: the same as user
    password: str = field(default="", repr=False)
    realm: str = "*"
    transport: Literal["udp", "tcp", "tls"] = "udp"
    expiry_s: int = 300
    bind_address: str = "0.0.0.0"
    port: int = 5060
    public_address: str = ""  # address advertised in Contact and SDP; empty: bind_address
    rtp_port: int = 40000  # first RTP port; each call takes the next free pair
    allowed_sources: list[str] = field(default_factory=list)  # IPs/CIDRs/hosts; empty: the registrar
    allow_any_source: bool = False
    max_calls: int = 4
    codecs: list[str] = field(default_factory=lambda: ["G722", "PCMU", "PCMA"])
    retry_min_s: float = 2.0
    retry_max_s: float = 300.0

    def __post_init__(self) -> None:
        if self.register and not (self.registrar and self.user):
            raise ConfigError("sip.registrar and sip.user are needed when sip.register = true")
        if not 5 <= self.expiry_s <= 86400:
            raise ConfigError(f"sip.expiry_s must be 5..86400, got {self.expiry_s}")
        if not 0 <= self.port <= 65535 or not 1024 <= self.rtp_port <= 65000:
            raise ConfigError("sip.port must be 0..65535 and sip.rtp_port 1024..65000")
        if not 1 <= self.max_calls <= 64:
            raise ConfigError(f"sip.max_calls must be 1..64, got {self.max_calls}")
        unknown = [c for c in self.codecs if c.upper() not in ("G722", "PCMU", "PCMA")]
        if unknown or not self.codecs:
            raise ConfigError(f"sip.codecs may hold G722, PCMU and PCMA, got {self.codecs}")
        if not 0.1 <= self.retry_min_s <= self.retry_max_s:
            raise ConfigError("sip.retry_min_s must be at least 0.1 and at most sip.retry_max_s")


@dataclass(frozen=True)
class TransferConfig:
    """Where a caller is handed over to a person, and how."""

    staff_uri: str = ""  # e.g. sip:frontdesk@pbx.clinic.local
    mode: Literal["blind", "attended"] = "attended"
    ring_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        if self.staff_uri and not self.staff_uri.startswith(("sip:", "sips:")):
            raise ConfigError(f"transfer.staff_uri must start with sip: or sips:, got {self.staff_uri!r}")
        if not 3 <= self.ring_timeout_s <= 120:
            raise ConfigError(f"transfer.ring_timeout_s must be 3..120, got {self.ring_timeout_s}")


@dataclass(frozen=True)
class PathsConfig:
    """Where model files and runtime data live."""

    models: Path = PROJECT_ROOT / "models"
    data: Path = PROJECT_ROOT / "var"


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
    paths: PathsConfig = field(default_factory=PathsConfig)


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    """Build a `Config` from a parsed TOML table, raising `ConfigError` on any bad value."""
    try:
        return _build(Config, data, "")
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.args[0]}") from None


def load_config(path: Path | None = None) -> Config:
    """Read the config file: `path`, else $APPLIANCE_CONFIG, else /etc/appliance, else defaults."""
    if path is None:
        env = os.environ.get(CONFIG_ENV)
        if env:
            path = Path(env)
        else:
            path = next((p for p in DEFAULT_CONFIG_PATHS if p.is_file()), None)
    if path is None:
        return Config()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, str(path))


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
