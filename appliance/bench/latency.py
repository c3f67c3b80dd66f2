"""`appliance bench latency`: calls over real SIP on loopback, voice-to-voice latency.

Measured at the caller, from the end of its speech in the sent audio to the first agent
audio it receives, for every turn; with 1, 2 and 4 calls at once by default. The calls are the
conversation benchmark's scenarios in a caller voice that is not the agent's
(`measure_conversations`): callers who book, cancel, spell and ask, so the turns the language model reads
count too. Stage times (endpoint, STT, acknowledged, first sentence, TTS, first frame out) come
from the agent's own turn records. `load` and `soak` use the short scripted call (`measure`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from appliance.config import Config
from appliance.lab.demo import demo_service
from appliance.lab.scripted_call import CallResult, run_script
from appliance.service import ApplianceService
from appliance.voice.timing import STAGES

SCRIPT = [
    "Hi, what are your opening hours?",
    "Is there parking at the clinic?",
    "Where is the clinic located?",
    "Thank you, goodbye.",
]


Outcome = CallResult | Exception  # a scripted call's result, or why it failed


async def measure_conversations(base: Config, levels: list[int], calls: int, voice: str,
                                workdir: Path) -> dict[int, list[Outcome]]:
    """`calls` of the conversation benchmark's scenarios (spread over its list), clean, in `voice`,
    at each concurrency level of `levels` in turn; outcomes by level."""
    from appliance.bench import conversations
    from appliance.bench.scenarios import SCENARIOS

    if not 1 <= calls <= len(SCENARIOS):
        raise ValueError(f"calls must be 1..{len(SCENARIOS)}, one per scenario")
    chosen = SCENARIOS[::max(1, len(SCENARIOS) // calls)][:calls]
    results: dict[int, list[Outcome]] = {}
    for level in levels:
        plan = conversations.Plan(chosen, [voice], ["clean"], level, "sip")
        results[level] = [CallResult(r.scenario, r.transcript, list(r.voice_to_voice_ms), r.stages_ms,
                                     jitter_ms=r.jitter_ms)
                          if not r.error else RuntimeError(f"{r.scenario}: {r.error}")
                          for r in await conversations.run(base, plan, workdir)]
    return results


async def measure(base: Config, plan: dict[int, int],
                  stop: Callable[[dict], bool] | None = None) -> dict[int, list[Outcome]]:
    """On one demo service, for each concurrency level of `plan` in order, run its number of
    scripted calls; outcomes by level. With `stop`, end after the first level whose summary
    (one value of `summarise`) it accepts."""
    results: dict[int, list[Outcome]] = {}
    async with demo_service(base) as service:
        for level, calls in plan.items():
            results[level] = await run_level(service, level, calls)
            if stop is not None and stop(summarise({level: results[level]})[level]):
                break
    return results


async def run_level(service: ApplianceService, level: int, calls: int) -> list[Outcome]:
    """`calls` scripted calls, `level` at a time (the last batch may be smaller); a call that
    fails (no answer, a timeout) is kept as its exception."""
    workdir = service.config.paths.data
    done: list[Outcome] = []
    while len(done) < calls:
        batch = min(level, calls - len(done))
        done += await asyncio.gather(*(run_script(service, SCRIPT, workdir) for _ in range(batch)),
                                     return_exceptions=True)
    return done


def summarise(results: dict[int, list[Outcome]]) -> dict:
    """p50/p95/max of the caller-side latency and of each stage, per concurrency level."""
    summary = {}
    for level, outcomes in results.items():
        calls = [c for c in outcomes if isinstance(c, CallResult)]
        heard = [ms for call in calls for ms in call.latencies_ms if ms is not None]
        missing = sum(ms is None for call in calls for ms in call.latencies_ms)
        stages = {s: [t[s] for call in calls for t in call.stages_ms if s in t] for s in STAGES}
        summary[level] = {
            "calls": len(outcomes), "failed_calls": len(outcomes) - len(calls),
            "errors": [repr(o)[:200] for o in outcomes if not isinstance(o, CallResult)][:3],
            "turns": len(heard), "unanswered_turns": missing,
            "voice_to_voice_ms": _stats(heard),
            "stages_ms": {s: _stats(v) for s, v in stages.items() if v},
            "jitter_buffer_ms": {side: _stats([c.jitter_ms[i] for c in calls if c.jitter_ms[i] is not None])
                                 for i, side in enumerate(("agent", "caller"))},
        }
    return summary


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.array(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "max": round(float(arr.max()), 1)}


def table(summary: dict) -> list[str]:
    """The human table: one row per concurrency level."""
    lines = [f"{'calls at once':>13} {'turns':>6} {'unanswered':>10} {'failed calls':>12} {'p50 ms':>8} "
             f"{'p95 ms':>8} {'max ms':>8}   per stage p50 (ms)"]
    for level, s in summary.items():
        v = s["voice_to_voice_ms"]
        jitter = s.get("jitter_buffer_ms", {})
        stages = "  ".join([f"{name}={st['p50']:.0f}" for name, st in s["stages_ms"].items()]
                           + [f"jitter_buffer_{side}={st['p50']:.0f}" for side, st in jitter.items() if st])
        lines.append(f"{level:>13} {s['turns']:>6} {s['unanswered_turns']:>10} {s['failed_calls']:>12} "
                     f"{v.get('p50', 0):>8.0f} {v.get('p95', 0):>8.0f} {v.get('max', 0):>8.0f}   {stages}")
    return lines


def report(summary: dict) -> str:
    """A human table and one JSON line."""
    payload = {"bench": "latency", "by_concurrency": {str(k): v for k, v in summary.items()}}
    return "\n".join([*table(summary), json.dumps(payload, sort_keys=True)])
