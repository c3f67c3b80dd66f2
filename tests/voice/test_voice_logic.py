"""Pure parts of the call loop: sentences, barge-in, playback bookkeeping, timing, the FAQ policy."""

from types import SimpleNamespace

import pytest

from appliance.config import ClinicConfig, Config, PathsConfig
from appliance.dialogue.faq import FaqPolicy, sounds_like
from appliance.service import STUCK_RESTART_S, ApplianceService
from appliance.voice.bargein import BargeInDetector, BargeInOptions
from appliance.voice.playback import Playback
from appliance.voice.sentences import SentenceSplitter
from appliance.voice.timing import TurnTiming


def split(pieces, **kw):
    splitter = SentenceSplitter(**kw)
    out = []
    for piece in pieces:
        out += splitter.push(piece)
    rest = splitter.flush()
    return out + ([rest] if rest else [])


def test_sentences_come_out_as_soon_as_they_end():
    splitter = SentenceSplitter()
    assert splitter.push("We open at eight") == []
    assert splitter.push(". Dr. Patel is in on Tuesday") == ["We open at eight."]
    assert splitter.push(" at 10.30 a.m. today. Bye") == ["Dr. Patel is in on Tuesday at 10.30 a.m. today."]
    assert splitter.flush() == "Bye"


def test_the_first_sentence_may_end_at_a_comma_later_ones_may_not():
    text = "We are open Monday to Friday from eight, and Saturday morning. Later, we close, of course."
    assert split([text]) == ["We are open Monday to Friday from eight,", "and Saturday morning.",
                             "Later, we close, of course."]
    assert split(["Yes, we are open."]) == ["Yes, we are open."], "too short to cut at the comma"


def test_the_first_sentence_ends_where_the_words_before_a_comma_are_ready_to_play():
    ready = {"Thank you,", "Sorry,", "Sorry, which time?"}.__contains__
    assert split(["Thank you, Maria. And your date of birth?"], ready=ready) == [
        "Thank you,", "Maria.", "And your date of birth?"]
    assert split(["Sorry, which time?"], ready=ready) == ["Sorry, which time?"], "ready as a whole"
    assert split(["Later, Maria. Thank you, Bob."], ready=ready) == ["Later, Maria.", "Thank you, Bob."]
    text = "Sorry, which time? Thank you, Maria. Bye."
    assert split([text[i:i + 3] for i in range(0, len(text), 3)], ready=ready) == split([text], ready=ready)
    assert SentenceSplitter(ready=ready).split("Thank you, Maria.") == ["Thank you,", "Maria."]


def test_a_template_without_a_comma_starts_with_its_fixed_lead_when_that_is_ready():
    ready = {"So that's", "Just to check,", "Just to check, is it", "I"}.__contains__
    text = "So that's Friday, May 8th, at noon with Dr. Lee, for a filling?"
    assert SentenceSplitter(ready=ready).split(text) == [  # after the lead, a comma may end a piece again
        "So that's", "Friday, May 8th, at noon with Dr. Lee,", "for a filling?"]
    assert SentenceSplitter(ready=ready).split("Just to check, is it for Ana?") == ["Just to check,", "is it for Ana?"]
    assert SentenceSplitter(ready=ready).split("I want Friday.") == ["I want Friday."], "one word is no lead"
    assert SentenceSplitter(ready=ready).split("So that's it.") == ["So that's it."], "short: not cut at all"


def test_a_reply_whose_first_piece_is_ready_is_not_cut_at_an_earlier_comma():
    ready = {"Sorry,", "Sorry, could you tell me your date of birth:"}.__contains__
    assert SentenceSplitter(ready=ready).split("Sorry, could you tell me your date of birth: the day?") == [
        "Sorry, could you tell me your date of birth:", "the day?"]


def test_streamed_tokens_split_like_whole_text():
    text = "Sure. I can help with that! What day suits you?"
    tokens = [text[i:i + 3] for i in range(0, len(text), 3)]
    assert split(tokens) == split([text]) == ["Sure.", "I can help with that!", "What day suits you?"]


def test_barge_in_needs_enough_loud_speech():
    detector = BargeInDetector(BargeInOptions(min_speech_ms=100, min_dbfs=-40))
    assert not any(detector.feed(True, -20, None) for _ in range(4))
    assert detector.feed(True, -20, None)
    detector.reset()
    assert not any(detector.feed(True, -50, None) for _ in range(20)), "too quiet"
    assert not any(detector.feed(i % 3 == 0, -20, None) for i in range(30)), "clicks, not speech"


def test_echo_of_the_agent_does_not_barge_in_but_speech_over_it_does():
    detector = BargeInDetector(BargeInOptions(min_speech_ms=100, echo_margin_db=15))
    assert not any(detector.feed(True, -32, agent_dbfs=-12) for _ in range(20)), "20 dB down: echo"
    assert any(detector.feed(True, -20, agent_dbfs=-12) for _ in range(6)), "8 dB down: a person"


def test_playback_knows_what_was_heard():
    playback = Playback()
    playback.add("Hello there.", b"\1\0" * 320 * 10)  # 10 frames
    playback.add("We open at eight in the morning.", b"\1\0" * 320 * 10)
    assert playback.heard_text(pending=20) == ""
    assert playback.heard_text(pending=10) == "Hello there."
    assert playback.heard_text(pending=5) == "Hello there. We open at"
    assert playback.heard_text(pending=0) == playback.full_text()
    assert -91 < playback.level_near(pending=10) < -89  # a sample value of 1 is -90 dBFS


def test_turn_timing_is_relative_to_the_end_of_speech():
    now = iter([10.5, 10.9])
    timing = TurnTiming(speech_end=10.0, clock=lambda: next(now))
    timing.stamp("endpoint")
    timing.stamp("stt_final")
    timing.stamp("endpoint", at=99)  # the first stamp wins
    assert timing.breakdown_ms() == {"endpoint": 500.0, "stt_final": 900.0}
    with pytest.raises(ValueError):
        timing.stamp("lunch")


@pytest.fixture()
def policy():
    clinic = ClinicConfig(name="Riverside Dental", hours="Open nine to five.", parking="Park behind.",
                          faq={"x-ray xray radiograph": "We take X-rays on site."})
    return FaqPolicy(clinic)


@pytest.mark.parametrize("said, expected, action", [
    ("When do you open on Monday?", "Open nine to five.", None),
    ("Have you opened on Saturdays?", "Open nine to five.", None),
    ("is they're barking at the clinic", "Park behind.", None),
    ("Do you do an xray?", "We take X-rays on site.", None),
    ("Can I talk to a real person", "put you through", "transfer"),
    ("no that's all, bye", "Goodbye", "hangup"),
    ("", "didn't catch that", None),
    ("Tell me about quantum physics", "take a message", None),
    ("Where can I leave the car", "Park behind.", None),  # a key word said as often outside a question...
    ("Code report my chair-cup, American rid. I am a car-n-slicked.", "take a message", None),  # ...only in one
    ("I'd like to know about parking.", "Park behind.", None),
])
def test_faq_policy(policy, said, expected, action):
    reply = policy.respond(said, 0.9)
    assert expected in reply.text
    assert (reply.action.kind if reply.action else None) == action


def test_silence_and_dtmf(policy):
    assert "still there" in policy.silence(1, final=False).text
    assert policy.silence(3, final=True).action.kind == "hangup"
    assert policy.dtmf("0").action.kind == "transfer" and policy.dtmf("5") is None
    assert "Riverside Dental" in policy.greeting("+1555").text


def test_sounds_like():
    assert sounds_like("barking", "parking") and sounds_like("parkin", "parking")
    assert not sounds_like("car", "bar") and not sounds_like("working", "parking")
    assert sounds_like("opened", "open") and not sounds_like("card", "car") and not sounds_like("opera", "open")


def test_a_service_with_an_engine_hung_for_good_asks_for_a_restart_between_calls(tmp_path):
    service = ApplianceService(Config(paths=PathsConfig(data=tmp_path)))
    assert not service.needs_restart(1000.0)  # no engines yet
    service.reception.hub = SimpleNamespace(stuck={})
    assert not service.needs_restart(1000.0)
    service.hub.stuck["llm"] = 1000.0
    assert not service.needs_restart(1000.0 + STUCK_RESTART_S - 1)  # it may still answer
    service.sessions["call-1"] = object()
    assert not service.needs_restart(1000.0 + STUCK_RESTART_S)  # a restart would cut this call off
    service.sessions.clear()
    assert service.needs_restart(1000.0 + STUCK_RESTART_S)
