"""What the scripted caller counts as heard for each line it played."""

from __future__ import annotations

from pathlib import Path

from appliance.lab.peer_client import EventLog
from appliance.lab.scripted_call import _exchanges
from appliance.voice.events import TranscriptEvent


def heard(text: str, whole: bool = False, final: bool = True, call_id: str = "c1") -> TranscriptEvent:
    return TranscriptEvent(call_id=call_id, text=text, confidence=0.9, final=final, whole=whole)


def test_a_turn_heard_whole_replaces_its_first_part_and_other_calls_and_partials_are_left_out():
    events = EventLog()
    for event in (heard("No, it's for me."), heard("No, it's", final=False), heard("Hello", call_id="c2"),
                  heard("No, it's for me. Ruth Adler.", whole=True), heard("Thursday."), heard("Morning.")):
        events.add(event)
    lines = _exchanges(events, "c1", [(Path("a.wav"), 0), (Path("b.wav"), 4)])
    assert lines == [(Path("a.wav"), "No, it's for me. Ruth Adler."), (Path("b.wav"), "Thursday. Morning.")]
