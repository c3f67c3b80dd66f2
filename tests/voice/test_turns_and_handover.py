"""The pure parts of the call loop: turn detection from speech decisions, the hand-over state."""

from __future__ import annotations

import pytest

from appliance.dialogue.unfinished import whole_sentence
from appliance.models.endpointer import EndpointOptions
from appliance.voice.handover import Handover, HandoverState
from appliance.voice.turns import TurnDetector, TurnOptions, TurnSignal, Verdict

FRAME = b"\1\0" * 320


def run(detector: TurnDetector, pattern: str, start: float = 0.0) -> list[tuple[int, TurnSignal]]:
    """Feed 's' (speech) and '.' (silence) frames; return (frame index, signal) pairs."""
    out = []
    for index, mark in enumerate(pattern):
        signal = detector.feed(FRAME, mark == "s", start + index * 0.02)
        if signal is not None:
            out.append((index, signal))
    return out


def detector(end_ms: int = 400, hold_ms: int = 1000) -> TurnDetector:
    return TurnDetector(TurnOptions(EndpointOptions(start_speech_ms=100, start_window_ms=200, end_silence_ms=hold_ms),
                                    speculative_ms=200, early_end_ms=300, end_ms=end_ms))


def test_a_turn_starts_pauses_resumes_and_ends():
    d = detector()
    signals = run(d, "...sssss" + "s" * 10 + "." * 12 + "s" * 5 + "." * 10)
    signals += run(d, "." * 15, start=0.02 * 45) if not d.judge(Verdict.UNSURE) else []
    assert [s for _, s in signals] == [TurnSignal.START, TurnSignal.PAUSED, TurnSignal.RESUMED,
                                       TurnSignal.PAUSED, TurnSignal.END]
    start, end = signals[0][0], signals[-1][0]
    assert start == 7  # five speech frames: 100 ms
    assert end == 9  # of the last run: 400 ms after the last speech frame, once the pause was judged
    assert d.speech_end == (8 + 10 + 12 + 5 - 1) * 0.02
    assert len(d.onset_audio()) >= 5 * len(FRAME)  # the speech before the start is kept


def test_a_finished_sentence_ends_the_turn_only_after_the_early_silence():
    d = detector(end_ms=600)
    run(d, "s" * 20 + "." * 10)  # 200 ms of silence: paused, not yet early enough
    assert d.in_turn and not d.judge(Verdict.DONE)
    assert [s for _, s in run(d, "." * 5)] == [TurnSignal.END]  # 300 ms
    d = detector(end_ms=600)
    run(d, "s" * 20 + "." * 15)
    assert not d.judge(Verdict.UNSURE) and d.in_turn  # not a sentence: the full 600 ms
    assert [i for i, _ in run(d, "." * 20)] == [14]


def test_an_unfinished_turn_waits_for_the_hold_and_speech_clears_the_verdict():
    d = detector(end_ms=400, hold_ms=1000)
    run(d, "s" * 20 + "." * 10)
    assert not d.judge(Verdict.UNFINISHED)
    assert run(d, "." * 30) == []  # 800 ms of silence and still the caller's turn
    assert [s for _, s in run(d, "sss" + "." * 10)] == [TurnSignal.RESUMED, TurnSignal.PAUSED]
    assert d.verdict is None
    assert run(d, "." * 39) == []  # unjudged again: waiting for the pause's verdict, up to the hold
    assert [s for _, s in run(d, ".")] == [TurnSignal.END]  # the hold: 1000 ms


@pytest.mark.parametrize(("finished", "unfinished", "score", "verdict"), [
    (True, False, None, Verdict.DONE), (True, False, 0.6, Verdict.DONE), (True, False, 0.3, Verdict.UNSURE),
    (False, False, 0.99, Verdict.UNSURE), (True, True, 0.99, Verdict.UNFINISHED),
    (True, False, 0.05, Verdict.UNFINISHED)])
def test_words_and_sound_combine_into_a_verdict(finished, unfinished, score, verdict):
    options = TurnOptions(EndpointOptions(), done_above=0.5, hold_below=0.1)
    assert options.verdict(finished, unfinished, score) == verdict


def test_a_full_answer_ends_early_whatever_the_model_hears_unless_the_words_go_on():
    options = TurnOptions(EndpointOptions(), done_above=0.5, hold_below=0.1)
    assert options.verdict(False, False, 0.2, answered=True) == Verdict.DONE
    assert options.verdict(True, True, 0.9, answered=True) == Verdict.UNFINISHED


def test_whisper_punctuation_tells_a_whole_sentence():
    assert whole_sentence("What are your hours? ") and whole_sentence("Tuesday.")
    assert not whole_sentence("what are your") and not whole_sentence("Well...") and not whole_sentence("So,")


def test_hand_over_one_state_from_agent_to_staff_and_back():
    h = Handover()
    assert h.agent_in_charge and h.begin()
    assert not h.begin() and h.state == HandoverState.ANNOUNCING
    assert h.ringing() and not h.ringing()
    h.failed()
    assert h.agent_in_charge and not h.failed_over
    assert h.begin() and h.ringing()
    h.succeeded()
    assert h.state == HandoverState.WITH_STAFF


def test_an_engine_failure_hands_over_whatever_was_going_on_once():
    h = Handover()
    assert h.begin()  # the front desk clicked
    assert h.fail_over("the stt engine hung") and not h.fail_over("the tts engine hung")
    assert h.failed_over and h.problem == "the stt engine hung" and h.state == HandoverState.ANNOUNCING
    assert h.ringing()
    h.failed()  # nobody took it: the caller is not taken back by the agent that failed
    assert not h.agent_in_charge and h.state == HandoverState.ANNOUNCING


def test_an_unjudged_pause_waits_up_to_the_hold():
    d = detector(end_ms=400, hold_ms=1000)
    run(d, "s" * 20)
    assert run(d, "." * 49) == [(9, TurnSignal.PAUSED)]  # 980 ms and no verdict (the early decode is late)
    assert d.judge(Verdict.UNSURE) and not d.in_turn  # judged at last: 400 ms are long past


def test_a_turn_goes_on_through_dips_in_the_speech_probability():
    d = detector()
    assert not d.hears_speech(0.45, 0.5, -20.0)  # too weak to start a turn
    run(d, "s" * 10)
    assert d.in_turn and d.hears_speech(0.45, 0.5, -20.0) and d.hears_speech(0.35, 0.5, -20.0)
    assert not d.hears_speech(0.3, 0.5, -20.0)  # ...but not anything


def test_a_quiet_frame_ends_the_speech_whatever_the_vad_still_says():
    d = detector()
    for _ in range(10):
        assert d.hears_speech(0.9, 0.5, -50.0)  # a quiet caller is heard
        d.feed(FRAME, True, 0.0)
    for _ in range(20):
        d.hears_speech(0.9, 0.5, -20.0)  # ...then speaks up: the median follows
    assert d.in_turn and d.hears_speech(0.9, 0.5, -39.0)  # a soft sound of speech
    assert not d.hears_speech(0.9, 0.5, -41.0)  # 21 dB below the turn's speech: the words have stopped
    assert not d.hears_speech(0.1, 0.5, -20.0)


def test_on_a_noisy_line_the_speech_ends_when_only_the_line_noise_is_left():
    d = detector()
    for _ in range(50):  # the line's noise at -42 dBFS before the caller speaks
        assert not d.hears_speech(0.05, 0.5, -42.0)
        d.feed(FRAME, False, 0.0)
    for _ in range(20):
        d.hears_speech(0.9, 0.5, -22.0)
        d.feed(FRAME, True, 0.0)
    assert d.in_turn and d.hears_speech(0.8, 0.5, -35.0)  # a soft sound above the noise
    assert not d.hears_speech(0.8, 0.5, -38.0)  # the noise alone, which the VAD still scores as speech
    murky = detector()  # speech barely above the noise: the VAD decides alone
    for level, speech, score in [(-30.0, False, 0.05)] * 50 + [(-22.0, True, 0.9)] * 20:
        murky.hears_speech(score, 0.5, level)
        murky.feed(FRAME, speech, 0.0)
    assert murky.in_turn and murky.hears_speech(0.8, 0.5, -27.0)


def test_a_knock_does_not_make_the_caller_quiet_and_the_next_turn_starts_afresh():
    d = detector()
    for level in [-38.0] * 20 + [-6.0] * 3:  # a caller at -38 dBFS knocks the handset
        d.hears_speech(0.9, 0.5, level)
        d.feed(FRAME, True, 0.0)
    assert d.hears_speech(0.9, 0.5, -38.0)
    run(d, "." * 60)  # the turn ends
    assert not d.in_turn
    for _ in range(10):
        d.hears_speech(0.9, 0.5, -60.0)
        d.feed(FRAME, True, 0.0)
    assert d.in_turn and d.hears_speech(0.9, 0.5, -60.0)  # a whisper of a caller next time


def test_a_turn_that_spells_a_word_is_read_later_into_a_pause():
    d = TurnDetector(TurnOptions(EndpointOptions(start_speech_ms=100, start_window_ms=200, end_silence_ms=1000),
                                 speculative_ms=80, spelled_ms=160, early_end_ms=300, end_ms=400))
    assert [i for i, s in run(d, "s" * 10 + "." * 6) if s == TurnSignal.PAUSED] == [13]  # 4 frames: 80 ms
    d.endpointer.reset()
    d.spelling = True
    assert [i for i, s in run(d, "s" * 10 + "." * 10) if s == TurnSignal.PAUSED] == [17]  # 8 frames: 160 ms
