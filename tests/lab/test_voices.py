"""Caller voices and the telephone channel."""

import numpy as np
import pytest

from appliance.audio import to_float
from appliance.lab.voices import (
    CALLER_VOICES,
    SpeechSynthError,
    active_power,
    synthesize,
    telephone,
    with_noise,
)

TEXT = "I would like to book a cleaning for next Tuesday at ten thirty."


@pytest.fixture(scope="module")
def speech():
    return synthesize(TEXT, "flite-slt")


@pytest.mark.parametrize("voice", CALLER_VOICES)
def test_each_voice_speaks_audibly_at_16_khz(voice):
    samples = to_float(synthesize(TEXT, voice))
    seconds = len(samples) / 16000
    assert 2.0 <= seconds <= 8.0, seconds  # 13 words at a plausible speaking rate
    assert np.sqrt(np.mean(samples ** 2)) > 0.01 and np.abs(samples).max() < 1.0


def test_an_unknown_voice_is_refused():
    with pytest.raises(SpeechSynthError, match="unknown caller voice"):
        synthesize(TEXT, "flite-nobody")


def test_telephone_keeps_length_and_removes_energy_above_4_khz(speech):
    phone = to_float(telephone(speech))
    assert abs(len(phone) - len(speech) // 2) <= 2

    def high_share(x):
        power = np.abs(np.fft.rfft(x)) ** 2
        return power[np.fft.rfftfreq(len(x), 1 / 16000) > 4000].sum() / power.sum()

    assert high_share(to_float(speech)) > 1e-3
    assert high_share(phone) < high_share(to_float(speech)) / 1000


@pytest.mark.parametrize("snr_db", [20.0, 10.0, 0.0])
def test_with_noise_hits_its_snr_within_1_db(speech, snr_db):
    clean = to_float(speech).astype(np.float64)
    noisy = to_float(with_noise(speech, snr_db, seed=3)).astype(np.float64)
    noise = noisy - clean
    measured = 10 * np.log10(active_power(clean) / np.mean(noise ** 2))
    assert abs(measured - snr_db) <= 1.0, measured
    assert with_noise(speech, snr_db, seed=3) == with_noise(speech, snr_db, seed=3)
    assert with_noise(speech, snr_db, seed=4) != with_noise(speech, snr_db, seed=3)


def test_trimmed_cuts_the_silence_around_the_words_and_keeps_a_margin(speech):
    from appliance.audio import trimmed
    from appliance.lab.speech import silence

    padded = silence(0.5) + speech + silence(0.7)
    both = trimmed(padded, margin_ms=30)
    lead_only = trimmed(padded, margin_ms=30, tail=False)
    assert both == trimmed(speech, margin_ms=30) and len(speech) * 0.5 < len(both) <= len(speech)
    assert lead_only.endswith(silence(0.7)) and len(lead_only) < len(padded) - 32000 * 0.4
    assert trimmed(silence(1.0)) == b""
