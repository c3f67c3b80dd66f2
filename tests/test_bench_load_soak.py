"""The summaries of `appliance bench load` and `appliance bench soak`, on made-up results."""

import json
import os
import subprocess
import sys

from appliance.bench import latency, load, soak
from appliance.lab.scripted_call import CallResult


def call(*latencies):
    return CallResult(call_id="c", latencies_ms=list(latencies), stages_ms=[{"stt": 100.0}])


def test_each_level_runs_whole_batches_of_at_least_the_asked_calls():
    assert load.plan(6, 4) == {1: 4, 2: 4, 3: 6, 4: 4, 5: 5, 6: 6}
    assert load.plan(2, 1) == {1: 1, 2: 2}


def test_load_counts_levels_until_the_first_one_over_the_target():
    summary = latency.summarise({
        1: [call(500, 600)], 2: [call(700, 900)], 3: [call(1400, 1600)], 4: [call(800, 900)]})
    assert [load.within(summary[n], 1500) for n in (1, 2, 3, 4)] == [True, True, False, True]
    assert load.max_calls_under(summary, 1500) == 2
    payload = json.loads(load.report(summary, 1500, 6).splitlines()[-1])
    assert payload["max_calls_under_target"] == 2 and payload["first_level_over_target"] == 3
    assert payload["by_concurrency"]["1"]["voice_to_voice_ms"]["p95"] < 600
    assert payload["by_concurrency"]["3"]["under_target"] is False


def test_a_failed_call_or_unanswered_turn_misses_the_target():
    summary = latency.summarise({1: [call(500), RuntimeError("timed out")], 2: [call(500, None)]})
    assert summary[1]["failed_calls"] == 1 and summary[2]["unanswered_turns"] == 1
    assert not load.within(summary[1], 1500) and not load.within(summary[2], 1500)
    assert load.max_calls_under(summary, 1500) == 0


def sample(calls, rss=200.0, threads=10, tasks=40, fds=30, children=0):
    return soak.Sample(calls, rss, threads, tasks, fds, children)


def test_soak_is_ok_when_counts_come_back_and_memory_stays():
    samples = [sample(0), sample(20, rss=215, threads=12, fds=36, children=1), sample(40, rss=210)]
    report = soak.summarise(samples, [call(600, 700)] * 40, soak.Limits(), 5, 100.0)
    assert report["verdict"] == "ok" and report["problems"] == []
    assert report["growth"] == {"rss_mb": 10.0, "threads": 0, "tasks": 0, "fds": 0, "children": 0}
    assert report["max"]["fds"] == 36 and report["max"]["rss_mb"] == 215
    assert report["calls"] == 40 and report["failed_calls"] == 0 and report["warmup_calls"] == 5
    assert report["voice_to_voice_ms"]["second_half"]["p50"] == 650
    assert json.loads(soak.report(report).splitlines()[-1])["verdict"] == "ok"


def test_soak_fails_on_growth_and_failed_calls():
    samples = [sample(0), sample(40, rss=260, threads=15, tasks=48, fds=40, children=1)]
    report = soak.summarise(samples, [call(600), ValueError("no answer")], soak.Limits(), 5, 10.0)
    assert report["verdict"] == "fail"
    text = " ".join(report["problems"])
    for word in ("1 of 2 calls failed", "memory grew 60.0 MB", "threads grew", "tasks grew", "fds grew",
                 "children grew"):
        assert word in text
    assert "no answer" in report["failures"][0]


def test_a_sample_sees_this_process():
    before = soak.sample(0)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        during = soak.sample(0)
    finally:
        child.kill()
        child.wait()
    assert before.rss_mb > 5 and before.threads >= 1 and before.tasks >= before.threads
    assert during.children == before.children + 1 and during.fds >= 3


def test_open_files_names_what_each_descriptor_points_to():
    read, write = os.pipe()
    try:
        with open(__file__) as handle:
            files = soak.open_files()
            assert files.get("pipe", 0) >= 2 and files[os.path.realpath(handle.name)] >= 1
    finally:
        os.close(read)
        os.close(write)


def test_the_latency_table_has_a_row_per_level_and_names_failures():
    summary = latency.summarise({1: [call(500, None)], 2: [call(700), TimeoutError("no answer")]})
    lines = latency.table(summary)
    assert len(lines) == 3 and "unanswered" in lines[0] and "failed calls" in lines[0]
    assert lines[1].split()[:4] == ["1", "1", "1", "0"] and lines[2].split()[:4] == ["2", "1", "0", "1"]
    assert summary[2]["errors"] == ["TimeoutError('no answer')"]


def test_latency_runs_the_conversation_scenarios_at_each_level(monkeypatch, tmp_path):
    import asyncio

    from appliance.bench import conversations
    from appliance.config import Config

    plans = []

    async def run(base, plan, workdir):  # noqa: ANN001, ANN202 - the real one calls over SIP
        plans.append(plan)
        return [conversations.ScenarioResult(s.name, "espeak", "clean", voice_to_voice_ms=[400.0, 900.0],
                                             stages_ms=[{"endpoint": 300.0}], error="" if i else "no answer")
                for i, s in enumerate(plan.scenarios)]

    monkeypatch.setattr(conversations, "run", run)
    results = asyncio.run(latency.measure_conversations(Config(), [1, 4], 5, "espeak", tmp_path))
    assert [p.concurrency for p in plans] == [1, 4] and all(p.voices == ["espeak"] for p in plans)
    assert len(plans[0].scenarios) == 5 and len({s.expect.kind for s in plans[0].scenarios}) > 2
    summary = latency.summarise(results)
    assert summary[4]["calls"] == 5 and summary[4]["failed_calls"] == 1 and summary[4]["turns"] == 8
