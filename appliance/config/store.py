"""Configuration of the local store: phone number format, the outside CRM, retention."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from appliance.errors import ConfigError


@dataclass(frozen=True)
class CrmConfig:
    """Numbers become E.164 with `country_code`; changes go to `webhook_url` if set, as the
    appliance's JSON or, with `webhook_format = "fhir"`, appointments as FHIR R4 resources."""

    country_code: str = "1"
    trunk_prefix: str = ""  # the national prefix callers dial, e.g. "0" in Germany or the UK
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    webhook_format: Literal["appliance", "fhir"] = "appliance"
    record_calls: bool = False  # keep each call's audio (caller left, agent right) for the call log
    transcript_retention_days: int = 365
    recording_retention_days: int = 30

    def __post_init__(self) -> None:
        if not self.country_code.isdigit() or not 1 <= len(self.country_code) <= 3:
            raise ConfigError(f"crm.country_code must be 1 to 3 digits, got {self.country_code!r}")
        if self.trunk_prefix and not self.trunk_prefix.isdigit():
            raise ConfigError(f"crm.trunk_prefix must be digits, got {self.trunk_prefix!r}")
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            raise ConfigError(f"crm.webhook_url must start with http:// or https://, got {self.webhook_url!r}")
        # empty passes: secrets.toml may be unreadable to the front desk; the OutboxWorker refuses it
        if self.webhook_url and 0 < len(self.webhook_secret) < 16:
            raise ConfigError("crm.webhook_secret must be at least 16 characters")
        if self.transcript_retention_days < 1 or self.recording_retention_days < 1:
            raise ConfigError("crm retention periods must be at least 1 day")
