"""Configuration of the clinic the appliance answers for, and of the conversation's timing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.errors import ConfigError


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


@dataclass(frozen=True)
class VoiceConfig:
    """Turn-taking: when the caller has finished, when they interrupt, when they are silent."""

    endpoint_silence_ms: int = 450  # silence that ends the caller's turn
    early_endpoint_ms: int = 300  # ...or this much, after a finished sentence that sounds finished
    hold_silence_ms: int = 1200  # ...or this much, when the caller sounds unfinished (in a phone number, "um")
    turn_model: bool = True  # hear the end of a turn in the voice too (the end-of-turn model)
    turn_done_above: float = 0.5  # its score a finished sentence needs to end the turn early
    turn_hold_below: float = 0.0  # ...and below which the turn is held (0: it never holds one)
    min_speech_ms: int = 120  # shorter sounds are not a turn
    speculative_stt_ms: int = 200  # start recognising after this much silence
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
        if not self.speculative_stt_ms <= self.early_endpoint_ms <= self.endpoint_silence_ms:
            raise ConfigError("voice.early_endpoint_ms must lie between voice.speculative_stt_ms "
                              "and voice.endpoint_silence_ms (equal to the latter turns it off)")
        if not 40 <= self.barge_in_ms <= 1000 or not 40 <= self.min_speech_ms <= 1000:
            raise ConfigError("voice.barge_in_ms and voice.min_speech_ms must be 40..1000")
        if not 1 <= self.reprompt_after_s <= 60 or not 0 <= self.max_reprompts <= 10:
            raise ConfigError("voice.reprompt_after_s must be 1..60 and voice.max_reprompts 0..10")
        if not 2 <= self.max_utterance_s <= 60:  # a longer turn's final decode nears engine_timeout_s
            raise ConfigError(f"voice.max_utterance_s must be 2..60, got {self.max_utterance_s}")
