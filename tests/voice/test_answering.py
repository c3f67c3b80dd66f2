"""A person or an answering machine, and the beep, on made-up audio (tones, noise, a buzzing
"voice" whose speech flag is given): no models, no benchmark lines."""

from __future__ import annotations

import numpy as np
import pytest

from appliance.audio import SAMPLE_RATE, frames, to_pcm
from appliance.lab.voices import telephone
from appliance.voice.answering import Answerer, AnsweringDetector, AnsweringOptions, BeepDetector, Heard

OPTIONS = AnsweringOptions()


def tone(hz: float, seconds: float, dbfs: float = -18.0) -> bytes:
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    return to_pcm(np.sqrt(2) * 10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t))


def sweep(start_hz: float, end_hz: float, seconds: float, dbfs: float = -18.0) -> bytes:
    """A chirp: the pitch glides the whole time, as a voice's does."""
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    hz = start_hz + (end_hz - start_hz) * t / seconds
    return to_pcm(np.sqrt(2) * 10 ** (dbfs / 20) * np.sin(2 * np.pi * np.cumsum(hz) / SAMPLE_RATE))


def noise(seconds: float, dbfs: float = -40.0, seed: int = 0) -> bytes:
    samples = np.random.default_rng(seed).standard_normal(int(SAMPLE_RATE * seconds))
    return to_pcm(samples * 10 ** (dbfs / 20))


def buzz(seconds: float, seed: int = 1) -> bytes:
    """A voice-like sound: harmonics of a wandering pitch, in syllables, with breath noise."""
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    pitch = 130 + 25 * np.sin(2 * np.pi * 1.3 * t) + 10 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 26))
    syllables = 0.4 + 0.6 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    breath = 0.05 * np.random.default_rng(seed).standard_normal(len(t))
    return to_pcm(0.08 * (voiced * syllables + breath))


def silence(seconds: float) -> bytes:
    return b"\0\0" * int(SAMPLE_RATE * seconds)


def run(detector: AnsweringDetector, *parts: tuple[bytes, bool]) -> list[tuple[float, Heard]]:
    """Feed (audio, speech flag) parts frame by frame; the reports and when they came (s)."""
    heard = []
    for pcm, speech in parts:
        for frame in frames(pcm):
            news = detector.feed(frame, speech)
            if news is not None:
                heard.append((round(detector.elapsed_s, 2), news))
    return heard


def beeps_in(pcm: bytes, detector: BeepDetector | None = None) -> list[float]:
    """When a BeepDetector says a beep ended (s)."""
    detector = detector or BeepDetector()
    return [round((i + 1) * 0.02, 2) for i, frame in enumerate(frames(pcm)) if detector.feed(frame)]


def test_a_short_hello_then_silence_is_a_person():
    detector = AnsweringDetector()
    heard = run(detector, (silence(0.6), False), (buzz(0.8), True), (silence(3.0), False))
    assert [news for _, news in heard] == [Heard.PERSON]
    assert heard[0][0] == pytest.approx(0.6 + 0.8 + OPTIONS.person_silence_s, abs=0.03)
    assert detector.answered_by == Answerer.PERSON and not detector.beep_heard
    assert detector.reason == "0.8 s of speech, then 0.8 s of silence"
    # once decided, nothing more is reported, not even a beep
    assert run(detector, (tone(1000, 0.5), False), (silence(3.0), False)) == []


def test_long_speech_is_a_machine_and_the_message_starts_when_the_beep_ends():
    detector = AnsweringDetector()
    heard = run(detector, (silence(0.3), False), (buzz(4.0), True), (silence(0.4), False),
                (tone(1000, 0.5), False), (silence(2.0), False))
    assert [news for _, news in heard] == [Heard.MACHINE, Heard.RECORDING]
    assert heard[0][0] == pytest.approx(0.3 + OPTIONS.person_max_speech_s, abs=0.05)
    assert detector.reason.startswith("the beep ended (a 1000 Hz tone of")
    beep_end = 0.3 + 4.0 + 0.4 + 0.5
    assert beep_end <= heard[1][0] <= beep_end + 0.1
    assert detector.beep_heard and detector.recording_at_s == heard[1][0]
    assert detector.decided_at_s == heard[0][0]


def test_a_greeting_without_a_beep_records_after_its_silence():
    detector = AnsweringDetector()
    heard = run(detector, (buzz(3.0), True), (silence(4.0), False))
    assert [news for _, news in heard] == [Heard.MACHINE, Heard.RECORDING]
    assert heard[1][0] == pytest.approx(3.0 + OPTIONS.greeting_end_silence_s, abs=0.03)
    assert "no beep" in detector.reason and not detector.beep_heard


def test_a_greeting_that_never_stops_records_at_the_longest():
    detector = AnsweringDetector(AnsweringOptions(max_greeting_s=6.0))
    heard = run(detector, (buzz(8.0), True))
    assert heard[-1] == (6.0, Heard.RECORDING) and "went on for 6 s" in detector.reason


def test_a_beep_before_anyone_spoke_is_a_machine():
    detector = AnsweringDetector()
    heard = run(detector, (silence(0.5), False), (tone(850, 0.6), False), (silence(1.0), False))
    assert [news for _, news in heard] == [Heard.MACHINE, Heard.RECORDING]
    assert 0.5 < heard[0][0] < 0.5 + 0.6, "decided while the beep still sounds"
    assert 1.1 <= heard[1][0] <= 1.2
    assert detector.answered_by == Answerer.MACHINE


def test_a_short_greeting_then_a_beep_is_a_machine():
    detector = AnsweringDetector()
    heard = run(detector, (buzz(1.2), True), (silence(0.3), False), (tone(1400, 0.25), False),
                (silence(1.0), False))
    assert [news for _, news in heard] == [Heard.MACHINE, Heard.RECORDING]
    assert heard[1][0] >= 1.2 + 0.3 + 0.25


def test_nobody_speaking_is_a_person_and_we_speak_first():
    detector = AnsweringDetector()
    heard = run(detector, (noise(5.0, -50), False))
    assert heard == [(OPTIONS.initial_silence_s, Heard.PERSON)]
    assert detector.reason == "nobody spoke for 3.0 s"


def test_a_click_is_not_an_answer():
    heard = run(AnsweringDetector(), (silence(0.5), False), (noise(0.04, -20), True), (silence(4.0), False))
    assert heard == [(OPTIONS.initial_silence_s, Heard.PERSON)]


def test_a_tone_is_not_speech_even_when_the_vad_says_so():
    detector = AnsweringDetector()
    # a short hello, then a tone too short to be a beep that the VAD took for speech
    heard = run(detector, (buzz(0.6), True), (silence(0.2), False), (tone(700, 0.12), True), (silence(2.0), False))
    assert heard == [(round(0.6 + OPTIONS.person_silence_s, 2), Heard.PERSON)]
    assert detector.reason.startswith("0.6 s of speech")
    # a long tone the VAD took for speech is a beep, not a long greeting
    detector = AnsweringDetector()
    heard = run(detector, (tone(700, 2.5), True), (silence(1.0), False))
    assert detector.answered_by == Answerer.MACHINE and "700 Hz tone" in detector.reason
    assert heard[0][0] < OPTIONS.person_max_speech_s


def test_a_voice_the_vad_misses_still_counts_when_it_stands_out_of_the_quiet():
    detector = AnsweringDetector()
    heard = run(detector, (silence(0.5), False), (buzz(3.0), False), (silence(3.0), False))
    assert [news for _, news in heard] == [Heard.MACHINE, Heard.RECORDING]


def test_a_steady_noisy_line_is_not_talk_even_after_a_lost_packet():
    detector = AnsweringDetector()
    heard = run(detector, (noise(1.0, -35, seed=3), False), (silence(0.02), False), (noise(3.0, -35, seed=4), False))
    assert heard == [(OPTIONS.initial_silence_s, Heard.PERSON)]


@pytest.mark.parametrize("hz", [440, 1000, 1400])
def test_the_beep_detector_catches_common_beeps(hz):
    detector = BeepDetector()
    ends = beeps_in(silence(0.3) + tone(hz, 0.3) + silence(0.5), detector)
    assert len(ends) == 1 and 0.6 <= ends[0] <= 0.7
    assert detector.frequency_hz == pytest.approx(hz, abs=3) and 300 <= detector.duration_ms <= 380


@pytest.mark.parametrize("hz", [440, 1000, 1400])
def test_the_beep_detector_hears_a_beep_on_a_noisy_phone_line(hz):
    line = telephone(silence(0.3) + tone(hz, 0.4, -20) + silence(0.5))
    rng = np.random.default_rng(hz)
    noisy = to_pcm(np.frombuffer(line, "<i2") / 32768 + 10 ** (-32 / 20) * rng.standard_normal(len(line) // 2))
    ends = beeps_in(noisy)
    assert len(ends) == 1 and 0.7 <= ends[0] <= 0.8


def test_the_beep_detector_ignores_noise_sweeps_and_voices():
    assert beeps_in(noise(3.0, -20)) == []
    assert beeps_in(sweep(500, 900, 0.4) + sweep(900, 600, 0.5)) == []  # a pitch that glides
    assert beeps_in(buzz(4.0)) == []
    assert beeps_in(tone(1000, 0.08) + silence(0.3)) == [], "too short for a beep"
    assert beeps_in(tone(150, 0.5) + tone(3000, 0.5)) == [], "out of the beep range"
    assert beeps_in(tone(1000, 0.5, -60)) == [], "too faint"


def test_a_beep_that_goes_on_counts_once_at_the_longest():
    detector = BeepDetector(AnsweringOptions(beep_max_ms=1000))
    assert beeps_in(tone(1000, 3.0) + silence(0.5), detector) == [pytest.approx(1.0, abs=0.05)]


def test_the_message_never_starts_while_a_beep_sounds():
    for vad_says_speech in (False, True):
        detector = AnsweringDetector()
        # the greeting, a pause just short of the no-beep wait, then a long beep the VAD may call speech
        heard = run(detector, (buzz(3.0), True), (silence(1.6), False), (tone(1000, 1.2), vad_says_speech),
                    (silence(1.0), False))
        beep_start, beep_end = 3.0 + 1.6, 3.0 + 1.6 + 1.2
        recording = [at for at, news in heard if news == Heard.RECORDING]
        assert len(recording) == 1 and beep_end <= recording[0] <= beep_end + 0.1, (vad_says_speech, heard)
        assert not beep_start <= recording[0] < beep_end
