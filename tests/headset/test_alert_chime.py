"""The chime for a call that needs the front desk: heard on the PC's speaker (a real sound server
with a null sink), and nothing at all, without an error, where there is no audio device."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from appliance.headset.chime import NOTES_HZ, play_chime
from tests.headset.sound import has_sound_card, no_sound_env


def strongest_hz(samples: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_the_chime_plays_on_the_speaker(headset_env):
    with headset_env.recording() as out:
        deadline = time.monotonic() + 10
        while (not out.exists() or out.stat().st_size < 3200) and time.monotonic() < deadline:
            time.sleep(0.05)  # the recorder is running
        assert play_chime() == ""
        time.sleep(3.5)  # the ALSA plug-in opens the stream late
    heard = np.frombuffer(out.read_bytes(), dtype="<i2").astype(float)
    loud = np.flatnonzero(np.abs(heard) > 3000)
    assert len(loud) > 0.05 * 16000, "the chime was heard"
    note = heard[loud[0]:loud[0] + 800]
    assert min(abs(strongest_hz(note) - hz) for hz in NOTES_HZ) < 40


@pytest.mark.skipif(has_sound_card(), reason="this machine has a sound card: there is always a device")
def test_without_an_audio_device_the_chime_says_why_and_nothing_fails(tmp_path):
    env = {**no_sound_env(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", "from appliance.headset.chime import play_chime; print(play_chime())"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "no microphone or speaker" in done.stdout.lower() or "speaker" in done.stdout.lower()
