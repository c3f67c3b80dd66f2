"""STT adapters against the shipped models, judged by word error rate."""

import re

import numpy as np
import pytest

from appliance.audio import to_pcm
from appliance.bench.wer import word_error_rate
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.stt_whisper import WhisperStt, without_repeats
from tests.speech import SENTENCES, espeak, feed_all, phone_band, silence

HANGUL = re.compile("[\uac00-\ud7a3]")


def transcribe(engine, pcm):
    stream = engine.stream()
    partials = feed_all(stream, pcm)
    return partials, stream.finish()


@pytest.mark.slow
@pytest.mark.parametrize("band", ["wide", "phone"])
def test_whisper_transcribes_synthesized_speech(whisper, band):
    errors = []
    for text in SENTENCES:
        pcm = espeak(text)
        pcm = phone_band(pcm) if band == "phone" else pcm
        _, result = transcribe(whisper, pcm)
        assert result.final and 0 < result.confidence <= 1
        errors.append(word_error_rate(text, result.text))
    assert np.mean(errors) <= (0.15 if band == "wide" else 0.3), errors


@pytest.mark.slow
def test_whisper_gives_partials_when_asked(store):
    _, path = store.resolve(Role.STT, "whisper-tiny.en")
    engine = WhisperStt(path, partial_interval_s=1.0)
    partials, final = transcribe(engine, espeak(SENTENCES[0]))
    assert len(partials) >= 2 and not any(p.final for p in partials)
    assert partials[-1].audio_s < final.audio_s
    assert word_error_rate(SENTENCES[0], final.text) <= 0.2


@pytest.mark.slow
def test_whisper_on_silence_and_noise_returns_no_words(whisper):
    _, quiet = transcribe(whisper, silence(2.0))
    assert quiet.text == "" and quiet.confidence == 0
    rng = np.random.default_rng(7)
    _, noisy = transcribe(whisper, to_pcm(rng.normal(0, 0.3, 32000).astype(np.float32)))
    assert noisy.final and len(noisy.text.split()) <= 4  # no crash; at most a short hallucination


@pytest.mark.slow
def test_pocketsphinx_streams_partials_and_a_final(piper, config, store):
    engine = load_engine(Role.STT, config, store, "pocketsphinx-en-us")
    text = "I would like to book an appointment."
    pcm = b"".join(piper.synthesize(text, 16000))
    partials, final = transcribe(engine, pcm)
    assert partials and final.final and 0 < final.confidence <= 1
    assert word_error_rate(text, final.text) <= 0.5, final.text


@pytest.mark.slow
def test_vosk_streams_korean_speech_as_hangul(config, store):
    engine = load_engine(Role.STT, config, store, "vosk-ko")
    # espeak-ng's Korean is too crude to score (character error rates of 0.5-1.5 across speaking
    # rates, so any bound on accuracy would hold or fail by luck); what is checked is that the
    # Korean model streams partials and writes Hangul, and that silence gives nothing
    for phrase in ["네 맞아요", "안녕하세요", "감사합니다"]:
        partials, final = transcribe(engine, espeak(phrase, voice="ko", words_per_minute=120))
        assert partials and final.final and 0 < final.confidence <= 1
        assert HANGUL.search(final.text), final.text
    _, quiet = transcribe(engine, silence(1.0))
    assert quiet.text == "" and quiet.confidence == 0


@pytest.mark.parametrize("heard, kept", [
    ("Hi, do you take my insurance? " * 10, "Hi, do you take my insurance?"),
    ("Yes. Yes. yes! No.", "Yes. No."),
    ("Do you take my insurance? Hi. Do you take my insurance? Hi. Do you", "Do you take my insurance? Hi. Do you"),
    ("I said yes. Then I said yes.", "I said yes. Then I said yes."),
    ("", ""),
])
def test_a_sentence_whisper_repeats_in_a_loop_is_kept_once(heard, kept):
    assert without_repeats(heard) == kept


@pytest.mark.parametrize("text, looped", [
    ("It It It It It", True), ("June 5th, 19th, 18th, 18th, 18th, 18th, 18th", True), ("No, no, no, no.", False),
    ("5 5 5 5 9 8 7 6", False), ("L L O Y D", False), ("I said yes, yes, yes", False),
    ("Thanks, that's all. Bye.", False), ("word " * 30, True), ("Dhamma Devvvvvvvvvvvvvvv", True),
    ("Mmm, yes.", False), ("Oooh, Anna Pfeiffer.", False), ("February,,,,,,,,,,,,,,,,,,,,", True),
    ("Well... yes.", False), ("Um..... yes.", False), ("Yes!!!!!", True),
    ("You can reach me at 415-555-2671.", False), ("My number is 415-5555-55-55-55-55-55-55-55-55-55-55", True),
    ("I'd like a check-up on the 23rd of August 1991, if you don't mind.", False),
])
def test_a_loop_is_told_from_repeats_people_say(text, looped):
    from appliance.models.stt_whisper import looks_looped

    assert looks_looped(text, 3.0) is looped


DENTISTS = "Riverside Dental: check-up, cleaning, filling, Dr. Patel, Dr. Okafor."


@pytest.mark.parametrize("text, hint, copied", [
    ("Dr. Patel, Dr. Okafor. Dr. Oka", DENTISTS, True),
    ("Monday, Tuesday, Wednesday.", "Riverside Dental: Monday, Tuesday, Wednesday, Thursday, Friday; morning.", True),
    ("A cleaning with Dr. Patel, please.", "Riverside Dental: check-up, cleaning, filling, Dr. Patel.", False),
    ("Is this Riverside Dental?", "Riverside Dental.", False),
    ("Tuesday or Wednesday afternoon would be best for me.", "Monday, Tuesday, Wednesday; morning, afternoon.", False),
    ("Dr. Patel, Dr. Okafor.", "", False),
    ("Dr. Okafor. Dr. O", DENTISTS, True),
    ("Dr. Okafor.", DENTISTS, False),
    ("Check-up.", DENTISTS, False),
    ("Dr. Okafor, please.", DENTISTS, False),
    ("A clean", DENTISTS, False),
    ("Dr. Patel, Dr. Patel, Dr. Patel, Dr. Patel", DENTISTS, True),
    ("Dr. Patel or Dr. Okafor.", DENTISTS, False),
    ("The four o'clock, Wednesday, Wednesday, Wednesday,", "Riverside Dental: Monday, Wednesday; morning.", True),
    ("No, no, no, Wednesday.", "Riverside Dental: Monday, Wednesday; morning.", False),
])
def test_a_transcript_that_copies_the_prompt_is_told_from_words_said(text, hint, copied):
    from appliance.models.stt_whisper import copies_prompt

    assert copies_prompt(text, hint) is copied
