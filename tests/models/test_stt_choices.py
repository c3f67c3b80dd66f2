"""Moonshine, Whisper's context hint, the STT fallback, and missing models."""

import signal
import subprocess
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from appliance.bench.wer import word_error_rate
from appliance.config import Config
from appliance.dialogue.birthdate import DateOfBirthAsked, parse_date_of_birth
from appliance.dialogue.name_spelling import NameSpelling
from appliance.dialogue.spelling import spelled_word
from appliance.errors import EngineError, ModelError
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone
from appliance.models import stt_moonshine
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.protocols import SttResult
from appliance.models.store import ModelStore
from appliance.models.stt_fallback import FallbackStt
from appliance.models.stt_moonshine import MoonshineStt, check_runs_here
from tests.speech import feed_all

LINES = [
    "I would like to book a cleaning with Doctor Patel next Tuesday.",
    "Could I come in at half past three on Thursday afternoon?",
    "I need to cancel my appointment for Friday at ten thirty.",
]


def transcribe(engine, pcm, hint="", letters=None, expected=None):
    stream = engine.stream(hint, letters, expected)
    feed_all(stream, pcm)
    return stream.finish()


@pytest.fixture(scope="module")
def engines(store):
    """The store's STT engines by name, each loaded when first asked for, closed after the module."""
    loaded = {}

    def engine(name):
        if name not in loaded:
            loaded[name] = load_engine(Role.STT, Config(), store, name)
        return loaded[name]
    yield engine
    for each in loaded.values():
        each.close()


def moonshine_runs_here(store) -> bool:
    """Whether this machine's CPU runs the Moonshine library (built for AVX-512)."""
    try:
        check_runs_here(store.resolve(Role.STT, "moonshine-base-en")[1])
    except EngineError:
        return False
    return True


@pytest.fixture
def moonshine(engines, store):
    if not moonshine_runs_here(store):
        pytest.skip("the Moonshine library needs AVX-512, which this CPU lacks")
    return engines("moonshine-base-en")


@pytest.mark.slow
@pytest.mark.parametrize("voice, bound", [("espeak", 0.5), ("festival-hts", 0.25)])
def test_moonshine_transcribes_callers_on_a_phone_line(moonshine, voice, bound):
    errors = []
    for text in LINES:
        result = transcribe(moonshine, telephone(synthesize(text, voice)), hint="ignored")
        assert result.final and (result.confidence > 0) == bool(result.text)
        errors.append(word_error_rate(text, result.text))
    assert np.mean(errors) <= bound, errors


@pytest.mark.slow
def test_moonshine_hears_no_words_in_silence(moonshine):
    result = transcribe(moonshine, silence(0.05))
    assert result.text == "" and result.confidence == 0


@pytest.mark.slow
def test_whisper_with_a_hint_still_transcribes(whisper):
    text = LINES[0]
    hint = "Riverside Dental. Check-up, cleaning, filling. Dr. Patel, Dr. Okafor. " * 8 + "How can I help?"
    result = transcribe(whisper, telephone(synthesize(text, "festival-hts")), hint=hint)
    assert word_error_rate(text, result.text) <= 0.3, result.text


@pytest.fixture
def whisper_base(engines):
    return engines("whisper-base")


@pytest.mark.slow
@pytest.mark.parametrize("word, voice", [("EVANS", "flite-awb"), ("OBRIEN", "flite-slt")])
def test_a_spelling_heard_as_words_is_read_again_as_letters(whisper_base, word, voice):
    hint = "Riverside Dental: spelled S-M-I-T-H."
    pcm = telephone(synthesize(" ".join(word) + ".", voice))
    letters = spelled_word(transcribe(whisper_base, pcm, hint, letters=NameSpelling((), False)).text, asked=True)
    assert letters is not None and Levenshtein.distance(letters.upper(), word) <= len(word) / 3, letters
    said = "I'd like to speak to a person."  # words said instead of a spelling stay words
    assert transcribe(whisper_base, telephone(synthesize(said, voice)), hint, letters=NameSpelling((), False)).text == said


@pytest.mark.slow
@pytest.mark.parametrize("heard, spelled, voice, read", [
    ("Oliver Grant", "GRANT", "flite-slt", "G-R-A-N-T."),  # read alone: T-R-A-N-T
    ("Martin Kemp", "KEMP", "flite-slt", "K-E-M-P."),  # K-E-N-P
    ("Oliver Grant", "KEMP", "flite-slt", None),  # not the name heard: not read as it
])
def test_a_spelling_a_few_letters_off_is_the_name_heard_when_the_audio_bears_it_out(
        whisper_base, heard, spelled, voice, read):
    hint = "Riverside Dental: spelled S-M-I-T-H."
    pcm = telephone(synthesize(" ".join(spelled) + ".", voice))
    text = transcribe(whisper_base, pcm, hint, letters=NameSpelling.of(heard, first=False)).text
    assert text == read if read else "GRANT" not in text.replace("-", ""), text
    said = "I'd like to speak to a person."
    spelling = NameSpelling.of(heard, first=False)
    assert transcribe(whisper_base, telephone(synthesize(said, voice)), hint, letters=spelling).text == said


class Fake:
    def __init__(self, name, text="", fail=False, confidence=0.9):
        self.name, self.text, self.fail, self.hints, self.closed = name, text, fail, [], False
        self.confidence = confidence

    def stream(self, hint="", letters=None, expected=None):
        self.hints.append(hint)
        return FakeStream(self)

    def close(self):
        self.closed = True


class FakeStream:
    def __init__(self, engine):
        self.engine, self.audio = engine, b""

    def feed(self, pcm):
        self.audio += pcm
        return []

    def finish(self):
        if self.engine.fail:
            raise EngineError("broken")
        return SttResult(self.engine.text, self.engine.confidence if self.engine.text else 0.0, True,
                         len(self.audio) / 32000)


SPEECH = (np.sin(np.arange(16000) / 5) * 8000).astype("<i2").tobytes()  # 1 s, loud


@pytest.mark.slow
@pytest.mark.parametrize("said, voice, born", [
    ("Um, it's July 4th 1980.", "flite-slt", date(1980, 7, 4)),  # read first: "It's your life, 4th, 1980."
    ("It's, uh, May 28th, 1957.", "flite-awb", date(1957, 5, 28)),  # "It's not Mito and T8, 1957."
    ("Fourteenth October nineteen eighty two.", "espeak", date(1982, 10, 14)),  # "14th October, until 1982."
])
def test_a_date_of_birth_asked_for_is_read_from_a_less_likely_reading_when_the_likeliest_has_none(
        whisper_base, said, voice, born):
    hint, today = "Riverside Dental: date of birth, January 1st, 1980.", date(2026, 11, 29)
    asked = DateOfBirthAsked(False, today)
    pcm = telephone(synthesize(said, voice))
    first = transcribe(whisper_base, pcm, hint)
    assert not first.alternative and not asked.readable(first.text), first.text
    reread = transcribe(whisper_base, pcm, hint, expected=asked)
    assert reread.alternative and parse_date_of_birth(reread.text, False, today) == born, reread.text


@pytest.mark.slow
def test_a_reading_that_holds_what_was_asked_for_stands(whisper_base):
    hint, asked = "Riverside Dental: date of birth, January 1st, 1980.", DateOfBirthAsked(False, date(2026, 11, 29))
    pcm = telephone(synthesize("September ninth, nineteen ninety three.", "festival-hts"))
    first, again = transcribe(whisper_base, pcm, hint), transcribe(whisper_base, pcm, hint, expected=asked)
    assert asked.readable(first.text) and again == first


@pytest.mark.parametrize("primary, pcm, answer", [
    (Fake("a", "hello"), SPEECH, "a"),
    (Fake("a", ""), SPEECH, "b"),
    (Fake("a", fail=True), SPEECH, "b"),
    (Fake("a", ""), silence(1.0), "a"),  # nothing said: an empty answer is right
])
def test_fallback_answers_when_the_primary_misses(primary, pcm, answer):
    backup = Fake("b", "backup words")
    engine = FallbackStt(primary, backup)
    stream = engine.stream("hint")
    feed_all(stream, pcm)
    result = stream.finish()
    assert stream.answered_by == answer
    assert result.text == ("backup words" if answer == "b" else primary.text)
    assert backup.hints == (["hint"] if answer == "b" else [])
    engine.close()
    assert primary.closed and backup.closed


@pytest.mark.parametrize("unsure, backup, text, confidence", [
    ("yes", Fake("b", "Yes.", confidence=0.3), "Yes.", 0.5),  # both heard it: sure enough
    ("yes", Fake("b", "yes that's right", confidence=0.8), "yes that's right", 0.8),  # the surer one
    ("the left right", Fake("b", "", confidence=0.0), "the left right", 0.2),  # the backup heard nothing
])
def test_an_unsure_primary_gets_a_second_opinion(unsure, backup, text, confidence):
    stream = FallbackStt(Fake("a", unsure, confidence=0.2), backup).stream()
    feed_all(stream, SPEECH)
    result = stream.finish()
    assert (result.text, result.confidence) == (text, confidence)


@pytest.mark.slow
def test_config_fallback_wraps_the_configured_engine(store):
    config = Config()
    config = replace(config, models=replace(config.models, stt="whisper-tiny.en",
                                            stt_fallback="moonshine-base-en"))
    engine = load_engine(Role.STT, config, store)
    if moonshine_runs_here(store):
        assert isinstance(engine, FallbackStt) and engine.backup.name == "moonshine-base-en"
    else:  # a fallback that cannot run here is left out, not a failure to start
        assert not isinstance(engine, FallbackStt) and engine.name == "whisper-tiny.en"
    assert not isinstance(load_engine(Role.STT, config, store, "whisper-tiny.en"), FallbackStt)
    engine.close()


@pytest.mark.parametrize("code, why", [(-signal.SIGILL, "lacks \\(AVX-512\\)"), (3, "test load failed \\(exit 3\\)")])
def test_a_library_that_cannot_run_on_this_cpu_is_a_clear_error_not_a_crash(code, why, monkeypatch, tmp_path):
    runs = []
    monkeypatch.setattr(stt_moonshine.subprocess, "run",
                        lambda *args, **kw: runs.append(args) or subprocess.CompletedProcess(args, code, "", ""))
    for _ in range(2):
        with pytest.raises(EngineError, match=f"moonshine cannot run here: .*{why}"):
            stt_moonshine.check_runs_here(tmp_path)
    assert len(runs) == 1  # asked once, remembered


def test_a_missing_model_gives_a_clear_error(empty_models, tmp_path):
    with pytest.raises(ModelError, match="not installed.*models install"):
        load_engine(Role.STT, Config(), ModelStore(empty_models), "moonshine-base-en")
    with pytest.raises(EngineError, match="lacks encoder_model.ort"):
        MoonshineStt(tmp_path)


@pytest.mark.slow
def test_whisper_base_is_assembled_from_two_packages(empty_models):
    store = ModelStore(empty_models)
    entry = store.manifest.get("whisper-base")
    assert store.install(entry)
    folder = empty_models / "stt" / "whisper-base"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json",
                                                        "vocabulary.json"]
    assert (folder / "model.bin").stat().st_size == 94371840 + 50845767
    assert store.resolve(Role.STT, "whisper-base")[1] == folder


@pytest.mark.slow
def test_the_fallback_answers_alone_when_the_configured_model_cannot_load(store, caplog):
    config = Config()
    config = replace(config, models=replace(config.models, stt="no-such-model", stt_fallback="whisper-tiny.en"))
    engine = load_engine(Role.STT, config, store)
    assert engine.name == "whisper-tiny.en" and not isinstance(engine, FallbackStt)
    assert "the fallback whisper-tiny.en answers alone" in caplog.text
    engine.close()
    with pytest.raises(ModelError):
        load_engine(Role.STT, replace(config, models=replace(config.models, stt_fallback="")), store)
