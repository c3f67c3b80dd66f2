import pytest

from appliance.models.endpointer import EndpointEvent, Endpointer, EndpointOptions


def run(decisions, options=None):
    ep = Endpointer(options or EndpointOptions(start_speech_ms=100, start_window_ms=200,
                                               end_silence_ms=200))
    return [(i, ev) for i, d in enumerate(decisions) if (ev := ep.feed(d))], ep


def test_speech_then_silence_gives_start_and_end():
    events, _ = run([False] * 5 + [True] * 10 + [False] * 10)
    assert events == [(9, EndpointEvent.SPEECH_START), (24, EndpointEvent.SPEECH_END)]


def test_start_offset_reaches_back_to_the_first_speech_frame():
    _, ep = run([False] * 5 + [True] * 5)
    assert ep.in_speech and ep.speech_start_offset_ms == 100


def test_a_click_does_not_start_an_utterance():
    events, _ = run([False, True, False, False, True, False] * 5)
    assert events == []


def test_short_pauses_inside_speech_do_not_end_it():
    events, _ = run([True] * 10 + ([False] * 5 + [True] * 3) * 4 + [False] * 10)
    assert [e for _, e in events] == [EndpointEvent.SPEECH_START, EndpointEvent.SPEECH_END]


def test_a_caller_who_never_pauses_is_cut_at_the_maximum():
    options = EndpointOptions(start_speech_ms=100, start_window_ms=200, end_silence_ms=600,
                              max_utterance_ms=1000)
    events, _ = run([True] * 120, options)
    assert [e for _, e in events].count(EndpointEvent.SPEECH_END) >= 2


def test_reset_forgets_the_utterance():
    _, ep = run([True] * 10)
    ep.reset()
    assert not ep.in_speech


@pytest.mark.parametrize("kwargs", [dict(start_speech_ms=300, start_window_ms=200),
                                    dict(end_silence_ms=0), dict(lookback_ms=100)])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        EndpointOptions(**kwargs)


def test_wer_helpers():
    from appliance.bench.wer import word_error_rate

    assert word_error_rate("Book me in, please.", "book me in please") == 0
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("Where is the clinic?", "Where\u2019s the clinic") == 0


def test_start_reaches_back_over_a_soft_onset_of_scattered_speech_frames():
    # "where is" scored as a few speech frames, a short gap, then the clear start
    onset = [True, False, False, True, True] + [False] * 13 + [True] * 5
    _, ep = run([False] * 20 + onset)
    assert ep.in_speech and ep.speech_start_offset_ms == len(onset) * 20


def test_start_does_not_reach_back_over_a_long_silence():
    _, ep = run([False] * 10 + [True] + [False] * 25 + [True] * 5)
    assert ep.speech_start_offset_ms == 100


def test_start_reaches_back_no_further_than_the_lookback():
    frames = [True, False, False, False] * 10 + [True] * 5
    _, unlimited = run(frames)
    _, limited = run(frames, EndpointOptions(start_speech_ms=100, start_window_ms=200, end_silence_ms=200,
                                             lookback_ms=300))
    assert unlimited.speech_start_offset_ms > 600 and 200 < limited.speech_start_offset_ms <= 300
