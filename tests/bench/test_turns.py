"""The end-of-turn benchmark's replay of pauses, on made-up pauses (never the benchmark's own turns)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

from appliance.bench.turns import Pause, replay, report, summarise
from appliance.config import VoiceConfig
from appliance.voice.turns import turn_options

OPTIONS = turn_options(VoiceConfig(endpoint_silence_ms=450, early_endpoint_ms=300, hold_silence_ms=1200))


def pause(gap_ms: float, text: str, unfinished: bool = False, score: float | None = 0.9,
          answered: bool = False) -> Pause:
    return Pause(gap_ms, text, score, unfinished, answered, 100.0, 30.0, lag_ms=20.0 if gap_ms == math.inf else -900.0)


def clip(kind: str, *pauses: Pause, voice: str = "flite-slt") -> dict:
    return {"voice": voice, "noise": "clean", "kind": kind, "text": "", "pauses": list(pauses)}


MEASURED = [
    # a number with a 700 ms pause after its first group, which the words hold
    clip("number", pause(700, "212.", unfinished=True), pause(math.inf, "212-555-0198.")),
    # a date whose first piece reads as a whole sentence the model hears as finished: cut off
    clip("date", pause(700, "July 9th.", unfinished=False), pause(math.inf, "July 9th, 1972.")),
    # a whole turn the model hears as unfinished: the full endpoint silence, not the early one
    clip("whole", pause(math.inf, "Tuesday afternoon.", score=0.2), voice="espeak"),
    # a plain yes the model hears as unfinished: a full answer all the same
    clip("whole", pause(math.inf, "Yes, please.", score=0.2, answered=True), voice="espeak"),
]


def test_each_way_of_ending_turns_is_replayed_over_the_same_pauses():
    rows = replay(MEASURED, OPTIONS)
    before = rows["silence, early after a sentence (before)"]
    assert before["cut_offs"] == {"date": 1.0, "number": 1.0, "whole": 0.0}
    words = rows["+ words that go on hold"]
    assert words["cut_offs"]["number"] == 0.0 and words["cut_offs"]["date"] == 1.0
    assert words["cut_offs_numbers_dates_spellings"] == 0.5
    # ended early after the number and the whole turns, 20 ms after the last sound
    assert words["wait_ms"] == {"p50": 320, "p95": 320}
    model = rows["+ model >= 0.5 to end early"]
    assert model["wait_ms_whole_turns"] == {"p50": 470, "p95": 470}
    answered = rows["+ a full answer ends early (default)"]
    assert answered["wait_ms_whole_turns"] == {"p50": 395, "p95": 462}


def test_a_turn_ended_at_a_pause_after_the_last_word_is_not_cut_off():
    # the detector found the date's end 140 ms after the last sound, then the line's noise went on
    noisy = clip("date", replace(pause(900, "August 23rd, 1991.", answered=True), lag_ms=140.0),
                 pause(math.inf, "August 23rd, 1991.", answered=True, score=None))
    row = replay([noisy], OPTIONS)["+ a full answer ends early (default)"]
    assert row["cut_offs"] == {"date": 0.0} and row["wait_ms"] == {"p50": 440, "p95": 440}


def test_the_report_is_a_table_and_one_json_line_by_voice():
    summary = summarise(MEASURED, OPTIONS)
    assert set(summary["by_voice_noise"]) == {"flite-slt/clean", "espeak/clean"}
    lines = report(summary).splitlines()
    assert lines[0].startswith("4 turns, 6 pauses") and "numbers" in lines[1]
    assert json.loads(lines[-1])["options"] == {"early_end_ms": 300, "end_ms": 450, "hold_ms": 1200}
