"""What a set-up check returns: never an exception for a user's mistake, a result to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.config import Config


@dataclass(frozen=True)
class CheckResult:
    """`ok`, a `message` for the clinic's IT person, the technical `detail`, the SIP `code` if any."""

    ok: bool
    message: str
    detail: str = ""
    code: int = 0


@dataclass(frozen=True)
class SettingsResult(CheckResult):
    """The settings as they would be saved; `config` is set when they are valid."""

    config: Config | None = None


@dataclass(frozen=True)
class SelfTestResult(CheckResult):
    """The self-test call: what was said, and how long the agent took to start its reply."""

    transcript: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text)
    latency_ms: float | None = None
