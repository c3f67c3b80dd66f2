"""Configuration of outbound calls: appointment reminders and the front desk's call back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

from appliance.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _clock(text: str, key: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{key} must be a time like 09:00, got {text!r}")
    return time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class RemindersConfig:
    """When the box calls patients about their appointments, and how it dials out.

    Each booked appointment gets a call `offsets_hours` before it (e.g. 48 and 2), placed only
    from `calling_hours` on `calling_days` in the clinic's time zone and no later than
    `min_lead_minutes` before the visit. Numbers are dialled as `dial_uri` with {number}
    replaced (digits, E.164 without '+' unless `dial_plus`); empty: through the SIP trunk,
    `sip:{number}@<registrar>`. Outbound calls never take the last `reserve_lines` lines.
    """

    enabled: bool = False
    offsets_hours: list[float] = field(default_factory=lambda: [48.0, 2.0])
    calling_hours: str = "09:00-19:00"
    calling_days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri", "sat"])
    min_lead_minutes: int = 60
    max_attempts: int = 3  # per reminder, a busy or unanswered number is tried again this often in all
    retry_after_minutes: int = 30
    ring_timeout_s: float = 30.0
    reserve_lines: int = 1  # lines kept free for callers
    dial_uri: str = ""
    dial_plus: bool = False
    poll_s: float = 60.0  # how often due reminders are looked for while the service runs
    voicemail_wait_s: float = 40.0  # the longest wait for a mailbox's beep before speaking anyway

    def __post_init__(self) -> None:
        if not self.offsets_hours or any(not 0.25 <= h <= 24 * 14 for h in self.offsets_hours):
            raise ConfigError(f"reminders.offsets_hours must list hours from 0.25 to 336, got {self.offsets_hours}")
        start, end = self.window
        if end <= start:
            raise ConfigError(f"reminders.calling_hours must be like 09:00-19:00, got {self.calling_hours!r}")
        unknown = [d for d in self.calling_days if d.lower() not in DAYS + DAY_NAMES]
        if unknown or not self.calling_days:
            raise ConfigError(f"reminders.calling_days must name days as mon..sun, got {self.calling_days}")
        if not 0 <= self.min_lead_minutes <= 24 * 60:
            raise ConfigError(f"reminders.min_lead_minutes must be 0 to 1440, got {self.min_lead_minutes}")
        if min(self.offsets_hours) * 60 <= self.min_lead_minutes:
            raise ConfigError(f"reminders.offsets_hours must each be longer than min_lead_minutes "
                              f"({self.min_lead_minutes} minutes): a shorter one would never be called")
        if not 1 <= self.max_attempts <= 10:
            raise ConfigError(f"reminders.max_attempts must be 1 to 10, got {self.max_attempts}")
        if not 1 <= self.retry_after_minutes <= 24 * 60:
            raise ConfigError(f"reminders.retry_after_minutes must be 1 to 1440, got {self.retry_after_minutes}")
        if not 5 <= self.ring_timeout_s <= 120:
            raise ConfigError(f"reminders.ring_timeout_s must be 5 to 120 seconds, got {self.ring_timeout_s}")
        if not 0 <= self.reserve_lines <= 3:
            raise ConfigError(f"reminders.reserve_lines must be 0 to 3, got {self.reserve_lines}")
        if self.dial_uri and ("{number}" not in self.dial_uri or not self.dial_uri.startswith(("sip:", "sips:"))):
            raise ConfigError(f"reminders.dial_uri must be a sip: URI holding {{number}}, got {self.dial_uri!r}")
        if not 1 <= self.poll_s <= 3600:
            raise ConfigError(f"reminders.poll_s must be 1 to 3600 seconds, got {self.poll_s}")
        if not 5 <= self.voicemail_wait_s <= 120:
            raise ConfigError(f"reminders.voicemail_wait_s must be 5 to 120 seconds, got {self.voicemail_wait_s}")

    @property
    def window(self) -> tuple[time, time]:
        """The calling hours, local time."""
        start, _, end = self.calling_hours.partition("-")
        return _clock(start, "reminders.calling_hours"), _clock(end or "", "reminders.calling_hours")

    @property
    def weekdays(self) -> frozenset[int]:
        """The calling days as weekday numbers (Monday 0)."""
        return frozenset(DAYS.index(d.lower()[:3]) for d in self.calling_days)

    @property
    def offsets_minutes(self) -> tuple[int, ...]:
        """The offsets, in whole minutes, longest first."""
        return tuple(sorted({round(h * 60) for h in self.offsets_hours}, reverse=True))
