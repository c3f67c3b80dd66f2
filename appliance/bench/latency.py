"""`appliance bench latency`: scripted calls over real SIP on loopback, voice-to-voice latency.

Measured at the caller, from the end of its speech in the sent audio to the first agent
audio it receives, for every turn; with 1, 2 and 4 calls at once by default. Stage times
(endpoint, STT, LLM, TTS, first frame out) come from the agent's own turn records.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import numpy as np

from appliance.config import Config
from appliance.service import ApplianceService
from appliance.voice.demo import demo_config
from appliance.voice.scripted_call import CallResult, run_script
from appliance.voice.timing import STAGES

SCRIPT = [
    "Hi, what are your opening hours?",
    "Is there parking at the clinic?",
    "Where is the clinic located?",
    "Thank you, goodbye.",
]


async def measure(base: Config, calls: int, levels: list[int]) -> dict[int, list[CallResult]]:
    """Run `calls` scripted calls at each concurrency level; results by level."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    service = ApplianceService(demo_config(base, workdir))
    await service.start()
    results: dict[int, list[CallResult]] = {}
    try:
        for level in levels:
            done: list[CallResult] = []
            while len(done) < calls:
                batch = min(level, calls - len(done))
                done += await asyncio.gather(*(run_script(service, SCRIPT, workdir) for _ in range(batch)))
            results[level] = done
    finally:
        await service.stop()
    return results


def summarise(results: dict[int, list[CallResult]]) -> dict:
    """p50/p95/max of the caller-side latency and of each stage, per concurrency level."""
    summary = {}
    for level, calls in results.items():
        heard = [ms for call in calls for ms in call.latencies_ms if ms is not None]
        missing = sum(ms is None for call in calls for ms in call.latencies_ms)
        stages = {s: [t[s] for call in calls for t in call.stages_ms if s in t] for s in STAGES}
        summary[level] = {
            "calls": len(calls), "turns": len(heard), "unanswered_turns": missing,
            "voice_to_voice_ms": _stats(heard),
            "stages_ms": {s: _stats(v) for s, v in stages.items() if v},
        }
    return summary


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.array(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "max": round(float(arr.max()), 1)}


def report(summary: dict) -> str:
    """A human table and one JSON line."""
    lines = [f"{'calls at once':>13} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   per stage p50 (ms)"]
    for level, s in summary.items():
        v = s["voice_to_voice_ms"]
        stages = "  ".join(f"{name}={st['p50']:.0f}" for name, st in s["stages_ms"].items())
        lines.append(f"{level:>13} {s['turns']:>6} {v.get('p50', 0):>8.0f} {v.get('p95', 0):>8.0f} "
                     f"{v.get('max', 0):>8.0f}   {stages}")
    lines.append(json.dumps({"bench": "latency", "by_concurrency": {str(k): v for k, v in summary.items()}},
                            sort_keys=True))
    return "\n".join(lines)
