"""A short two-note chime on the PC's speaker, for a call that needs the front desk: played in
the background, and nothing at all (no error) when the PC has no speaker."""

from __future__ import annotations

import logging

import numpy as np

from appliance.headset.devices import find_speaker, portaudio
from appliance.headset.errors import HeadsetError

log = logging.getLogger(__name__)
NOTES_HZ = (880.0, 660.0)
NOTE_S = 0.15
TAIL_S = 0.5
LEVEL = 0.3  # of full scale: noticeable, not startling


def chime_pcm(rate: int) -> np.ndarray:
    """The chime as int16 samples at `rate`, each note faded in and out (no clicks), then silence."""
    t = np.arange(int(rate * NOTE_S)) / rate
    fade = np.minimum(1.0, np.minimum(t, NOTE_S - t) / 0.01)
    notes = [np.sin(2 * np.pi * hz * t) * fade for hz in NOTES_HZ]
    tail = np.zeros(int(rate * TAIL_S))  # a stream that closes at its last sample may cut the last note
    return (np.concatenate([*notes, tail]) * LEVEL * 32767).astype(np.int16)


def play_chime(device: str | None = None) -> str:
    """Start the chime on the speaker (returns at once); '' when it plays, else why not."""
    try:
        speaker = find_speaker(device)
        portaudio().play(chime_pcm(speaker.rate), speaker.rate, device=speaker.index)
    except HeadsetError as exc:
        log.info("no alert sound: %s", exc)
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - PortAudio's own errors: the alert still shows
        log.warning("the alert sound failed: %s", exc)
        return str(exc)
    return ""
