"""Sentences the agent said before play from memory, bounded; the fixed ones are known ahead."""

from __future__ import annotations

import asyncio

import pytest

from appliance.dialogue import wording
from appliance.voice.events import AgentSaidEvent, BargeInEvent, TurnLatencyEvent
from appliance.voice.phrases import PhraseCache, fixed_sentences
from tests.voice.harness import Call


def test_the_least_recently_used_sentence_goes_first_beyond_the_bound():
    cache = PhraseCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # "a" is now the most recent
    cache.put("c", b"9012")
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.put("huge", b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get("huge") is None and len(cache) == 2


def test_the_fixed_sentences_are_the_wording_cut_as_spoken_without_blanks():
    sentences = list(fixed_sentences("Riverside Dental"))
    assert "What day and time would suit you?" in sentences
    assert "Thank you for calling Riverside Dental." in sentences
    assert "May I have your first and last name?" in sentences and "Sure." in sentences
    assert not any("{" in s for s in sentences) and len(sentences) == len(set(sentences))
    assert "Thank you," in sentences and "Just to check," in sentences  # the fixed starts of templates
    assert "So that's" in sentences and not any(s.startswith("Is this appointment") for s in sentences), \
        "a lead without a comma is cached when it is a phrase of its own, never any words before a blank"
    assert "Sorry, which time would you like?" in sentences


def test_a_template_reply_starts_with_its_fixed_words_while_the_rest_is_synthesized():
    call = Call()
    call.loop.run_until_complete(call.hub.speak_ahead(fixed_sentences("Riverside Dental"), 5))
    call.workers["tts"].delay_s = 0.15
    speaker, writes = call.session.speaker, []
    write = speaker.write
    speaker.write = lambda pcm, mark=None: writes.append(call.loop.time()) or write(pcm, mark)
    start = call.loop.time()
    call.loop.run_until_complete(speaker.speak(wording.DOB_AFTER_NAME.format(first_name="Maria"), "m"))
    assert call.tts.spoken[-1] == "Maria."  # only the name is synthesized, after "Thank you,"
    assert writes[0] - start < 0.005 and writes[1] - start >= 0.15 and len(writes) == 3
    call.finish()


def test_a_sentence_said_again_is_not_synthesized_again():
    call = Call(endpoint_silence_ms=450)
    call.run_until(lambda: call.of(AgentSaidEvent))
    for _ in range(2):
        call.caller_says("What are your opening hours?")
        turns = len(call.of(TurnLatencyEvent))
        call.run_until(lambda: len(call.of(TurnLatencyEvent)) > turns)
    assert call.tts.spoken.count("We are open 8 to 6.") == 1
    assert [e.text for e in call.of(AgentSaidEvent)][-2:] == ["We are open 8 to 6."] * 2
    call.finish()


def test_speaking_ahead_fills_the_cache_one_sentence_at_a_time():
    call = Call()
    call.workers["tts"].delay_s = 0.1
    call.loop.run_until_complete(asyncio.wait_for(call.hub.speak_ahead(["One.", "Two.", "One."], 5), 1))
    assert call.tts.spoken.count("One.") == 1 and call.hub.phrases.get("Two.")
    call.finish()


def test_a_fixed_reply_plays_from_the_cache_at_once():
    call = Call()
    call.workers["tts"].delay_s = 0.15
    call.loop.run_until_complete(call.hub.speak_ahead(fixed_sentences("Riverside Dental"), 5))
    call.run_until(lambda: call.of(AgentSaidEvent))
    call.caller_says("")  # nothing understood: the fixed apology
    call.run_until(lambda: call.of(TurnLatencyEvent))
    stages = call.of(TurnLatencyEvent)[0].stages_ms
    assert call.of(AgentSaidEvent)[-1].text == "Sorry, I didn't catch that. Could you say it again?"
    assert stages["tts_first_audio"] - stages["stt_final"] < 5  # no synthesis wait
    call.finish()


def acknowledging(**voice) -> Call:
    """A greeted call whose phrase cache holds "One moment." (acknowledgements after 500 ms)."""
    call = Call(endpoint_silence_ms=450, acknowledge_after_ms=500, **voice)
    call.loop.run_until_complete(call.hub.speak_ahead([wording.ONE_MOMENT], 5))
    call.run_until(lambda: call.of(AgentSaidEvent))
    return call


def not_acknowledged(call: Call, line: str) -> bool:
    call.caller_says(line)
    call.run_until(lambda: call.of(TurnLatencyEvent))
    return wording.ONE_MOMENT not in [e.text for e in call.of(AgentSaidEvent)]


def test_a_slow_decision_is_acknowledged_at_once_and_a_quick_one_is_not():
    call = acknowledging()
    assert not_acknowledged(call, "what about saturdays")  # decided at once
    call.workers["dialogue"].delay_s = 1.5  # the language model reads the next turn
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(TurnLatencyEvent)) == 2)
    assert [e.text for e in call.of(AgentSaidEvent)][-2:] == [wording.ONE_MOMENT, "We are open 8 to 6."]
    stages = call.of(TurnLatencyEvent)[-1].stages_ms
    assert stages["acknowledged"] == pytest.approx(500, abs=21)
    assert stages["first_frame_out"] == pytest.approx(520, abs=21)  # the caller hears the agent at once
    assert stages["tts_first_audio"] > 1500
    call.finish()


def test_a_turn_held_long_is_not_acknowledged_when_its_answer_is_quick():
    call = acknowledging(hold_silence_ms=1200)
    call.workers["dialogue"].delay_s = 0.1  # the rules decide in a moment
    assert not_acknowledged(call, "Um...")  # held for 1.2 s, past the 500 ms
    call.finish()


def test_a_slow_recognition_is_not_acknowledged_only_a_slow_decision():
    call = acknowledging()
    call.workers["stt"].delay_s = 0.8  # two calls at once on two cores: the decode is late
    assert not_acknowledged(call, "What are your opening hours?")
    call.finish()


def test_after_an_acknowledged_turn_the_next_turn_times_its_own_reply():
    call = acknowledging()
    call.workers["dialogue"].delay_s = 1.5
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    call.workers["dialogue"].delay_s = 0.0
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: len(call.of(TurnLatencyEvent)) == 2)
    quick = call.of(TurnLatencyEvent)[-1].stages_ms
    assert "acknowledged" not in quick and quick["first_frame_out"] == pytest.approx(220, abs=21)
    call.finish()


def test_the_echo_of_one_moment_does_not_stop_the_reply_that_follows():
    call = acknowledging()
    call.line.echo_db = 20  # the caller's phone sends the agent back, quieter
    call.workers["dialogue"].delay_s = 1.0
    call.caller_says("What are your opening hours?")
    call.run_until(lambda: call.of(TurnLatencyEvent))
    assert not call.of(BargeInEvent) and call.of(AgentSaidEvent)[-1].text == "We are open 8 to 6."
    call.finish()
