"""`appliance bench load`: how many calls at once this box answers within a latency target.

The latency bench's scripted calls at 1, 2, 3, ... calls at once, each level in whole batches;
it stops at the first level that misses the target: caller-side p95 voice-to-voice at or above
it (default 1.5 s), or a call that failed, or a turn left unanswered.
"""

from __future__ import annotations

import json

from appliance.bench import latency
from appliance.config import Config
from appliance.config.telephony import MAX_SIP_CALLS


def plan(max_level: int, calls: int) -> dict[int, int]:
    """Calls to run at each level 1..max_level: at least `calls`, a whole number of batches."""
    return {level: -(-max(calls, level) // level) * level for level in range(1, max_level + 1)}


def within(level: dict, target_ms: float) -> bool:
    """Whether one level's summary meets the target: p95 below it, every call and turn answered."""
    p95 = level["voice_to_voice_ms"].get("p95")
    return (p95 is not None and p95 < target_ms and not level["failed_calls"]
            and not level["unanswered_turns"])


def max_calls_under(summary: dict[int, dict], target_ms: float) -> int:
    """The highest level that meets the target with every level below it (0: not even one call)."""
    best = 0
    for level in sorted(summary):
        if not within(summary[level], target_ms):
            break
        best = level
    return best


async def measure(base: Config, max_level: int, calls: int, target_ms: float) -> dict[int, dict]:
    """Run the levels in order until one misses the target; the latency summary by level."""
    results = await latency.measure(base, plan(max_level, calls), stop=lambda s: not within(s, target_ms))
    return latency.summarise(results)


def report(summary: dict[int, dict], target_ms: float, max_level: int) -> str:
    """The latency table, the verdict, and one JSON line."""
    best = max_calls_under(summary, target_ms)
    missed = next((level for level in sorted(summary) if not within(summary[level], target_ms)), None)
    if missed is None:
        verdict = f"every level up to {max_level} stayed under {target_ms:.0f} ms (the SIP stack takes at most {MAX_SIP_CALLS})"
    else:
        verdict = f"{missed} calls at once missed the target; up to {best} at once stay under {target_ms:.0f} ms"
    payload = {
        "bench": "load", "target_ms": target_ms, "max_level": max_level, "first_level_over_target": missed,
        "max_calls_under_target": best,
        "by_concurrency": {str(k): {**v, "under_target": within(v, target_ms)} for k, v in summary.items()},
    }
    return "\n".join([*latency.table(summary), verdict, json.dumps(payload, sort_keys=True)])
