"""Configuration of the two-way sync with the clinic's CalDAV calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from appliance.errors import ConfigError


@dataclass(frozen=True)
class CalendarConfig:
    """The CalDAV server and which calendar holds whose appointments.

    `calendars` maps a provider's name (as in the store) to the URL of that provider's calendar;
    `shared` is one calendar for everyone else (its staff events block every provider). With
    neither, or no `url`, nothing is synced. `patient_detail` is what an event says about the
    patient: "initials" (the default, minimum necessary), "name" or "none" (the service only).
    """

    url: str = ""  # the server, e.g. https://cloud.example.org/remote.php/dav
    user: str = ""
    password: str = field(default="", repr=False)  # kept in secrets.toml
    calendars: dict[str, str] = field(default_factory=dict)
    shared: str = ""
    patient_detail: Literal["initials", "name", "none"] = "initials"
    poll_s: float = 5.0  # how often the server is asked for changes (a call's start asks at once)
    timeout_s: float = 10.0
    ca_file: str = ""  # CA certificates trusted for an https server; empty: the system's
    horizon_days: int = 365  # staff events (repeating ones expanded) are read this far ahead

    def __post_init__(self) -> None:
        for name, value in (("url", self.url), ("shared", self.shared), *(
                (f"calendars.{who}", url) for who, url in self.calendars.items())):
            if value and not value.startswith(("http://", "https://")):
                raise ConfigError(f"calendar.{name} must start with http:// or https://, got {value!r}")
            if "@" in urlsplit(value).netloc:
                raise ConfigError(f"calendar.{name} must not hold a user name or password: use calendar.user "
                                  "and the password in secrets.toml")
        if not 1.0 <= self.poll_s <= 3600:
            raise ConfigError(f"calendar.poll_s must be 1 to 3600 seconds, got {self.poll_s}")
        if not 1.0 <= self.timeout_s <= 120:
            raise ConfigError(f"calendar.timeout_s must be 1 to 120 seconds, got {self.timeout_s}")
        if not 7 <= self.horizon_days <= 1000:
            raise ConfigError(f"calendar.horizon_days must be 7 to 1000, got {self.horizon_days}")

    @property
    def enabled(self) -> bool:
        """A server and at least one calendar are set."""
        return bool(self.url and (self.calendars or self.shared))

    def chosen(self) -> list[tuple[str, str]]:
        """(whose, URL) of each chosen calendar: each provider's, then the shared one as 'everyone else'."""
        return [*self.calendars.items(), *([("everyone else", self.shared)] if self.shared else [])]

    def calendar_urls(self) -> list[str]:
        """Every configured calendar, each once."""
        return list(dict.fromkeys(url for _, url in self.chosen()))
