"""Piper with the shipped voice: sentence by sentence, at the call's rate, intelligible."""

import pytest

from appliance.audio import duration_s, level_dbfs
from appliance.bench.wer import word_error_rate
from tests.speech import feed_all


@pytest.mark.parametrize("rate", [8000, 16000])
def test_each_sentence_arrives_as_its_own_chunk(piper, rate):
    chunks = list(piper.synthesize("Thanks for calling. How can I help you today?", rate))
    assert len(chunks) >= 2
    audio = b"".join(chunks)
    assert 1.5 < duration_s(audio, rate) < 6
    assert level_dbfs(audio) > -30


def test_first_sentence_comes_before_the_rest_is_synthesized(piper):
    stream = piper.synthesize("Hello. " + "This is a much longer second sentence. " * 8)
    first = next(stream)
    assert 0.3 < duration_s(first) < 1.5
    stream.close()


def test_empty_text_gives_no_audio(piper):
    assert list(piper.synthesize("   ")) == []


@pytest.mark.slow
def test_whisper_understands_the_agent_voice_at_8_khz(piper, whisper):
    from appliance.audio import resample

    text = "Your appointment is booked for Tuesday at half past two."
    # steady: without Piper's random variation, so the line is the same in every run
    pcm = resample(b"".join(piper.synthesize(text, 8000, steady=True)), 8000, 16000)
    stream = whisper.stream()
    feed_all(stream, pcm)
    assert word_error_rate(text, stream.finish().text) <= 0.2
