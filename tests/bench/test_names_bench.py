"""The spelled-names benchmark: its names are not the conversation benchmark's, and its ways of
reading a name are judged as the store judges, on made-up hearings (never the benchmark's)."""

from __future__ import annotations

import json

from appliance.bench.names import NAMES, READERS, report, summarise
from appliance.bench.scenarios import SCENARIOS
from appliance.dialogue.state import Step


def test_the_names_are_none_of_the_conversation_callers():
    callers = {s.plan.name.lower() for s in SCENARIOS} | {p.name.lower() for s in SCENARIOS for p in s.on_file}
    said = {f"{first} {last}".lower() for first, last in NAMES}
    assert len(said) == 30 and not said & callers


def test_each_way_reads_the_hearings_and_the_report_counts_them():
    heard = {Step.NAME: "Oscar Whitacre.", Step.SPELL_FIRST: "O-S-C-A-R.", Step.SPELL: "W-H-I-T-A-K-E-R."}
    assert READERS["heard"](heard) == "Oscar Whitacre"
    assert READERS["spelling replaces"](heard) == "Oscar Whitaker"
    assert READERS["weighed"](heard) == "Oscar Whitaker"
    rhyming = {Step.NAME: "Priya Raman.", Step.SPELL_FIRST: "D-R-I-Y.", Step.SPELL: "R-A-M-A-N."}
    assert READERS["spelling replaces"](rhyming) == "Driy Raman" and READERS["weighed"](rhyming) == "Priya Raman"
    rows = [{"voice": "espeak", "noise": "clean", "name": "Priya Raman", "read": {"weighed": "Priya Raman"},
             "right": {"heard": True, "spelling replaces": False, "weighed": True}}]
    summary = summarise(rows)
    assert summary["all"] == {"names": 1, "heard": 1, "spelling replaces": 0, "weighed": 1}
    assert json.loads(report(summary, rows).splitlines()[-1])["bench"] == "names"
