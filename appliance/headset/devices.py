"""Find the PC's microphone and speaker through PortAudio (the `sounddevice` module), and the
rate each opens at: 16 kHz when the device takes it, else its own rate (then resampled)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType

from appliance.headset.errors import (
    NO_DEVICE_MESSAGE,
    HeadsetError,
    NoAudioDeviceError,
    UnknownDeviceError,
)
from appliance.models.protocols import SAMPLE_RATE

log = logging.getLogger(__name__)
KIND_WORDS = {"input": "microphone", "output": "speaker"}


@dataclass(frozen=True)
class AudioEndpoint:
    """One side of the headset: the PortAudio device and the rate its stream opens at."""

    index: int
    name: str
    rate: int


@dataclass(frozen=True)
class Headset:
    """The microphone and the speaker a test call uses."""

    microphone: AudioEndpoint
    speaker: AudioEndpoint


def portaudio() -> ModuleType:
    """The `sounddevice` module; `NoAudioDeviceError` when the PortAudio library is missing."""
    try:
        import sounddevice
    except OSError:  # sounddevice raises OSError when libportaudio2 is not installed
        raise NoAudioDeviceError(f"{NO_DEVICE_MESSAGE} (the PortAudio library is missing: "
                                 "install the libportaudio2 package)") from None
    return sounddevice


def find_headset(device: str | None = None) -> Headset:
    """The default microphone and speaker, or those whose name contains `device`."""
    sd, present = _devices()
    return Headset(_endpoint(sd, device, "input", present), _endpoint(sd, device, "output", present))


def find_speaker(device: str | None = None) -> AudioEndpoint:
    """The default speaker, or the one whose name contains `device` (no microphone needed)."""
    sd, present = _devices()
    return _endpoint(sd, device, "output", present)


def _devices() -> tuple[ModuleType, object]:
    """PortAudio and the devices it lists; `NoAudioDeviceError` when there are none."""
    sd = portaudio()
    try:
        present = sd.query_devices()
    except sd.PortAudioError:
        raise NoAudioDeviceError(NO_DEVICE_MESSAGE) from None
    if not len(present):
        raise NoAudioDeviceError(NO_DEVICE_MESSAGE)
    return sd, present


def _endpoint(sd: ModuleType, device: str | None, kind: str, present: object) -> AudioEndpoint:
    word = KIND_WORDS[kind]
    try:
        info = sd.query_devices(device, kind)
    except ValueError:  # no device of this kind matches the name, or several do
        names = [d["name"] for d in present if d[f"max_{kind}_channels"] > 0]
        raise UnknownDeviceError(f"no single {word} named {device!r}; the {word}s here are: "
                                 f"{', '.join(names) or 'none'}") from None
    except sd.PortAudioError:  # no default device of this kind
        raise NoAudioDeviceError(NO_DEVICE_MESSAGE) from None
    index, name = info["index"], info["name"]
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    for rate in (SAMPLE_RATE, int(info["default_samplerate"])):
        try:
            check(device=index, channels=1, dtype="int16", samplerate=rate)
        except sd.PortAudioError as exc:
            log.debug("%s %s refuses %d Hz: %s", word, name, rate, exc)
            continue
        return AudioEndpoint(index, name, rate)
    raise HeadsetError(f"the {word} {name!r} cannot record or play mono 16-bit audio")
