"""The spelled-names benchmark: its ways of reading a name, judged as the store judges, on
made-up hearings (never the benchmark's). That its names are none of the conversation
benchmark's callers is checked beside that benchmark's own test."""

from __future__ import annotations

import json

from appliance.bench.names import READERS, checked, report, summarise
from appliance.dialogue.state import Step


def test_each_way_reads_the_hearings_and_the_report_counts_them():
    heard = {Step.NAME: "Oscar Whitacre.", Step.SPELL_FIRST: "O-S-C-A-R.", Step.SPELL: "W-H-I-T-A-K-E-R."}
    assert READERS["heard"](heard) == "Oscar Whitacre"
    assert READERS["spelling replaces"](heard) == "Oscar Whitaker"
    assert READERS["weighed"](heard) == "Oscar Whitaker"
    rhyming = {Step.NAME: "Priya Raman.", Step.SPELL_FIRST: "D-R-I-Y.", Step.SPELL: "R-A-M-A-N."}
    assert READERS["spelling replaces"](rhyming) == "Driy Raman" and READERS["weighed"](rhyming) == "Priya Raman"
    rows = [{"voice": "espeak", "noise": "clean", "name": "Priya Raman", "read": {"weighed": "Priya Raman"},
             "right": {"heard": True, "spelling replaces": False, "weighed": True, "checked": True}, "asked": False}]
    summary = summarise(rows)
    assert summary["all"] == {"names": 1, "heard": 1, "spelling replaces": 0, "weighed": 1, "checked": 1, "checks": 0}
    assert json.loads(report(summary, rows).splitlines()[-1])["bench"] == "names"


def readings(heard: dict) -> tuple[str, str]:
    """The name heard alone and the weighed reading of the hearings, as the benchmark reads them."""
    return READERS["heard"](heard), READERS["weighed"](heard)


def test_the_check_takes_the_name_heard_only_when_it_is_the_callers():
    letters_misheard = {Step.NAME: "It's Imran Khan.", Step.SPELL_FIRST: "M-A-R-E-N.", Step.SPELL: "K-T-L-N."}
    assert checked(*readings(letters_misheard), "Imran Khan") == ("Imran Khan", True)
    words_misheard = {Step.NAME: "Pretty Raiment.", Step.SPELL_FIRST: "P-R-I-Y-A.", Step.SPELL: "R-A-M-A-N."}
    assert checked(*readings(words_misheard), "Priya Raman") == ("Priya Raman", True)  # a no: the spellings
    alike = {Step.NAME: "Oscar Whitaker.", Step.SPELL_FIRST: "O-S-C-A-R.", Step.SPELL: "W-H-I-T-A-K-E-D."}
    assert checked(*readings(alike), "Oscar Whitaker") == ("Oscar Whitaker", False)  # nothing asked
