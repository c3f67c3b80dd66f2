"""Configuration of the clinic the appliance answers for, and of the conversation's timing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.errors import ConfigError

# where the law requires callers to be told they are speaking with an automated (AI) system;
# elsewhere the disclosure is still said by default, and a clinic may set it blank
DISCLOSURE_REQUIRED = {
    "EU": "the EU under the AI Act, Article 50",
    "US-CA": "California under the BOT Act and, for patient communications, AB 3030",
    "US-CO": "Colorado under the Colorado AI Act",
    "US-UT": "Utah under the Artificial Intelligence Policy Act",
}
DISCLOSURE_OPTIONAL = {"US", "UK", "GB", "CA", "AU", "NZ", "CH", "NO"}
EU_COUNTRIES = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
                "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
REGION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")  # ISO 3166: a country, or a country and its state
DISCLOSES = re.compile(r"\b(automated|automatic|a\.?i\.?|artificial intelligence|virtual|digital assistant|computer|"
                       r"(chat|ro)?bot|machine|not a (real |live )?(person|human))\b", re.IGNORECASE)


def discloses(text: str) -> bool:
    """`text` tells the caller they are not speaking with a person ("automated assistant", "AI")."""
    return bool(DISCLOSES.search(text))


def disclosure_law(region: str) -> str:
    """The region whose law requires the disclosure ("EU" for "DE", "US-CA"), or ""."""
    if region.split("-")[0] in EU_COUNTRIES:
        return "EU"
    return region if region in DISCLOSURE_REQUIRED else ""


def disclosure_kept(region: str) -> str:
    """Why the disclosure may not be left out in `region`, or "" where the clinic may leave it
    out. A region the table does not know keeps it."""
    law = disclosure_law(region)
    if law:
        return f"the law requires it in {DISCLOSURE_REQUIRED[law]}"
    if region in DISCLOSURE_OPTIONAL or region.split("-")[0] in DISCLOSURE_OPTIONAL:
        return ""
    if not region:
        return "it is kept while clinic.region is not set"
    return f"it is kept in a region the appliance has no rule for ({region})"


@dataclass(frozen=True)
class ClinicConfig:
    """What callers hear about the clinic. `faq` maps a topic's key words to its answer."""

    name: str = "the clinic"
    timezone: str = "UTC"
    address: str = ""
    phone: str = ""
    hours: str = ""
    parking: str = ""
    insurance: str = ""
    emergency_number: str = "911"
    lead_time_minutes: int = 60  # no slot starting sooner than this is offered to a caller
    greeting: str = "Thank you for calling {name}. How can I help you today?"
    region: str = ""  # the clinic's jurisdiction: "US", "US-CA", "EU", "DE", "UK", ...; "": unknown
    disclosure: str | None = None  # who answers; None: the region's default wording, "": none where allowed
    faq: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"clinic.timezone {self.timezone!r} is not a known time zone "
                              "(use a name like 'Europe/Berlin')") from None
        if not 0 <= self.lead_time_minutes <= 7 * 24 * 60:
            raise ConfigError(f"clinic.lead_time_minutes must be 0..10080, got {self.lead_time_minutes}")
        if "{" in self.greeting.replace("{name}", ""):
            raise ConfigError("clinic.greeting may only use the placeholder {name}")
        if self.region and not (REGION.fullmatch(self.region) or self.region == "EU"):
            raise ConfigError(f"clinic.region must be a country code, or a country and state code: 'US', "
                              f"'US-CA', 'DE', 'UK', 'EU'; got {self.region!r}")
        kept = self.disclosure_kept
        if self.disclosure and "{" in self.disclosure.replace("{name}", ""):
            raise ConfigError("clinic.disclosure may only use the placeholder {name}")
        if self.disclosure and kept and not discloses(self.disclosure):
            raise ConfigError(f"clinic.disclosure must tell callers they are speaking with an automated "
                              f"assistant ({kept}); say 'automated assistant', 'AI' or 'virtual assistant' in "
                              f"it, or leave it out for the default wording; got {self.disclosure!r}")

    @property
    def disclosure_kept(self) -> str:
        """Why the disclosure may not be left out here, or "" where the clinic may leave it out."""
        return disclosure_kept(self.region)

    @property
    def disclosure_by_law(self) -> bool:
        """The clinic's region has a law requiring the disclosure (its default wording says more)."""
        return bool(disclosure_law(self.region))


@dataclass(frozen=True)
class VoiceConfig:
    """Turn-taking: when the caller has finished, when they interrupt, when they are silent."""

    endpoint_silence_ms: int = 450  # silence that ends the caller's turn
    early_endpoint_ms: int = 200  # ...or this much, after a full answer, or a finished sentence that sounds finished
    hold_silence_ms: int = 1200  # ...or this much, when the caller sounds unfinished (in a phone number, "um")
    turn_model: bool = True  # hear the end of a turn in the voice too (the end-of-turn model)
    turn_done_above: float = 0.5  # its score a finished sentence needs to end the turn early
    turn_hold_below: float = 0.0  # ...and below which the turn is held (0: it never holds one)
    min_speech_ms: int = 120  # shorter sounds are not a turn
    speculative_stt_ms: int = 80  # start recognising after this much silence
    spelled_stt_ms: int = 80  # ...or this much, where a word is spelled
    acknowledge_after_ms: int = 500  # a reply undecided this long after the caller stopped: "One moment." (0: never)
    barge_in_ms: int = 160  # caller speech this long stops the agent
    barge_in_min_dbfs: float = -40.0
    echo_margin_db: float = 15.0  # during playback, caller audio quieter than the agent by more is echo
    reprompt_after_s: float = 7.0
    max_reprompts: int = 2
    on_silence: Literal["hangup", "transfer"] = "hangup"
    max_utterance_s: float = 30.0
    engine_timeout_s: float = 10.0  # an engine call slower than this counts as failed: the caller is handed over

    def __post_init__(self) -> None:
        if not 0.5 <= self.engine_timeout_s <= 120:
            raise ConfigError(f"voice.engine_timeout_s must be 0.5..120, got {self.engine_timeout_s}")
        if not 150 <= self.endpoint_silence_ms <= 3000:
            raise ConfigError(f"voice.endpoint_silence_ms must be 150..3000, got {self.endpoint_silence_ms}")
        if not self.endpoint_silence_ms <= self.hold_silence_ms <= 5000:
            raise ConfigError("voice.hold_silence_ms must lie between voice.endpoint_silence_ms and 5000")
        if not (0 <= self.turn_done_above <= 1 and 0 <= self.turn_hold_below <= 1):
            raise ConfigError("voice.turn_done_above and voice.turn_hold_below must be 0..1")
        if not 0 <= self.acknowledge_after_ms <= 10000:
            raise ConfigError(f"voice.acknowledge_after_ms must be 0..10000, got {self.acknowledge_after_ms}")
        if not 0 <= self.speculative_stt_ms < self.endpoint_silence_ms:
            raise ConfigError("voice.speculative_stt_ms must be below voice.endpoint_silence_ms")
        if not 0 <= self.spelled_stt_ms < self.endpoint_silence_ms:
            raise ConfigError("voice.spelled_stt_ms must be below voice.endpoint_silence_ms")
        if not self.speculative_stt_ms <= self.early_endpoint_ms <= self.endpoint_silence_ms:
            raise ConfigError("voice.early_endpoint_ms must lie between voice.speculative_stt_ms "
                              "and voice.endpoint_silence_ms (equal to the latter turns it off)")
        if not 40 <= self.barge_in_ms <= 1000 or not 40 <= self.min_speech_ms <= 1000:
            raise ConfigError("voice.barge_in_ms and voice.min_speech_ms must be 40..1000")
        if not 1 <= self.reprompt_after_s <= 60 or not 0 <= self.max_reprompts <= 10:
            raise ConfigError("voice.reprompt_after_s must be 1..60 and voice.max_reprompts 0..10")
        if not 2 <= self.max_utterance_s <= 60:  # a longer turn's final decode nears engine_timeout_s
            raise ConfigError(f"voice.max_utterance_s must be 2..60, got {self.max_utterance_s}")
