"""`appliance bench conversations` end to end: a few scripted callers over real SIP on
loopback, with real models. Asserts that the benchmark ran and reported, not how well the
agent did (that is what the benchmark measures)."""

from __future__ import annotations

import asyncio
import json

import pytest

from appliance.bench import conversations, scenarios
from appliance.config import Config

pytestmark = pytest.mark.slow

FEW = ["faq-parking", "cancel-known", "emergency-swelling"]


def test_a_short_run_over_sip_reports_every_field(tmp_path):
    plan = conversations.Plan(scenarios.by_name(FEW), ["espeak"], ["clean"], concurrency=2, over="sip")
    results = asyncio.run(conversations.run(Config(), plan, tmp_path))
    assert [r.scenario for r in results] == FEW
    assert all(not r.error for r in results), [r.error for r in results]
    assert all(r.transcript and r.lines for r in results)
    assert any(r.voice_to_voice_ms for r in results) and any(r.stages_ms for r in results)
    report = conversations.report(conversations.summarise(results, plan))
    assert "espeak/clean" in report and "overall" in report
    payload = json.loads(report.splitlines()[-1])
    assert payload["bench"] == "conversations" and payload["over"] == "sip"
    overall = payload["overall"]
    for key in ("runs", "succeeded", "success_rate", "wer", "voice_to_voice_ms", "stages_ms",
                "unconfirmed_appointments", "emergencies_flagged", "emergency_scenarios"):
        assert key in overall
    assert overall["runs"] == 3 and overall["emergency_scenarios"] == 1
    assert overall["voice_to_voice_ms"]["p50"] > 0
    assert set(payload["by_voice_noise"]) == {"espeak/clean"}
    assert len(payload["failures"]) == 3 - overall["succeeded"]


def test_the_names_benchmark_speaks_none_of_these_callers_names():
    from appliance.bench.names import NAMES

    callers = {s.plan.name.lower() for s in scenarios.SCENARIOS}
    callers |= {p.name.lower() for s in scenarios.SCENARIOS for p in s.on_file}
    said = {f"{first} {last}".lower() for first, last in NAMES}
    assert len(said) == 30 and not said & callers
