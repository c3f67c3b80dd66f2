"""`appliance bench soak`: many short scripted calls, one after another, against one running
service; does the process keep growing?

The process's resident memory, Python and OS threads, open file descriptors and child
processes are sampled after a few warm-up calls (the baseline, once the counts are steady),
every `every` calls, and at the end once the ended calls have been released. The verdict is
`ok` when no call failed, memory grew less than a limit, and the counts came back to the
baseline within a small tolerance.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from appliance.bench import latency
from appliance.lab.scripted_call import run_script
from appliance.service import ApplianceService

SCRIPTS = (
    ["What are your opening hours?"],
    ["Is there parking at the clinic?", "Thank you, goodbye."],
)


@dataclass(frozen=True)
class Sample:
    """The process's resources after `calls` measured calls."""

    calls: int
    rss_mb: float
    threads: int  # Python threads (threading.active_count())
    tasks: int  # OS threads, native ones included (/proc/self/task)
    fds: int  # open file descriptors (/proc/self/fd)
    children: int  # child processes still running (caller phones)


COUNTS = ("threads", "tasks", "fds", "children")


@dataclass(frozen=True)
class Limits:
    """How much growth from the baseline still counts as `ok`."""

    rss_mb: float = 30.0
    threads: int = 2  # for Python threads and OS threads alike
    fds: int = 4


def sample(calls: int) -> Sample:
    """Measure this process now (Linux /proc)."""
    return Sample(calls=calls, rss_mb=round(_rss_kb() / 1024, 1), threads=threading.active_count(),
                  tasks=len(os.listdir("/proc/self/task")), fds=len(os.listdir("/proc/self/fd")),
                  children=_children())


async def run(service: ApplianceService, calls: int, warmup: int = 5, every: int = 20,
              settle_s: float = 15.0, limits: Limits = Limits(), workdir: Path | None = None,
              on_sample: Callable[[Sample], None] | None = None) -> dict:
    """Place `warmup` and then `calls` sequential scripted calls on the running `service`,
    sampling as described above (`on_sample` sees each sample as it is taken); the report
    (see `summarise`)."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-soak-"))
    samples: list[Sample] = []

    def keep(s: Sample) -> None:
        samples.append(s)
        if on_sample is not None:
            on_sample(s)

    for n in range(warmup):
        await _call(service, n, workdir)
    keep(await _settle(0, None, settle_s))
    files = open_files()
    outcomes: list[latency.Outcome] = []
    started = time.monotonic()
    for n in range(calls):
        outcomes.append(await _call(service, n, workdir))
        if (n + 1) % every == 0 and n + 1 < calls:
            keep(sample(n + 1))
    keep(await _settle(calls, samples[0], settle_s))
    added = {k: n - files.get(k, 0) for k, n in open_files().items() if n > files.get(k, 0)}
    return summarise(samples, outcomes, limits, warmup, time.monotonic() - started, added)


def summarise(samples: list[Sample], outcomes: list[latency.Outcome], limits: Limits, warmup: int,
              duration_s: float, fds_added: dict[str, int] | None = None) -> dict:
    """Baseline (first sample), final (last), max and growth of each measure, failed calls,
    caller-side latency in the first and second half, problems found and the verdict;
    `fds_added`: what the descriptors open at the end but not at the baseline point to."""
    baseline, final = samples[0], samples[-1]
    names = [f.name for f in fields(Sample) if f.name != "calls"]
    growth = {name: round(getattr(final, name) - getattr(baseline, name), 1) for name in names}
    failures = [f"call {n + 1}: {o!r}"[:300] for n, o in enumerate(outcomes) if isinstance(o, Exception)]
    problems = [f"{len(failures)} of {len(outcomes)} calls failed"] if failures else []
    if growth["rss_mb"] >= limits.rss_mb:
        problems.append(f"memory grew {growth['rss_mb']} MB (limit {limits.rss_mb})")
    for name, limit in (("threads", limits.threads), ("tasks", limits.threads), ("fds", limits.fds),
                        ("children", 0)):
        if growth[name] > limit:
            problems.append(f"{name} grew by {growth[name]:.0f} (tolerance {limit})")
    half = len(outcomes) // 2
    by_half = latency.summarise({"first_half": outcomes[:half], "second_half": outcomes[half:]})
    return {
        "bench": "soak", "calls": len(outcomes), "warmup_calls": warmup, "duration_s": round(duration_s, 1),
        "failed_calls": len(failures), "failures": failures[:5],
        "unanswered_turns": sum(s["unanswered_turns"] for s in by_half.values()),
        "voice_to_voice_ms": {k: s["voice_to_voice_ms"] for k, s in by_half.items()},
        "baseline": asdict(baseline), "final": asdict(final),
        "max": {name: max(getattr(s, name) for s in samples) for name in names},
        "growth": growth, "fds_added": fds_added or {}, "limits": asdict(limits), "samples": len(samples),
        "problems": problems, "verdict": "fail" if problems else "ok",
    }


HEADER = f"{'calls':>6} {'RSS MB':>8} {'py threads':>10} {'os threads':>10} {'fds':>5} {'children':>8}"


def row(s: Sample) -> str:
    """One sample as a line of the table under HEADER."""
    return f"{s.calls:>6} {s.rss_mb:>8.1f} {s.threads:>10} {s.tasks:>10} {s.fds:>5} {s.children:>8}"


def report(summary: dict) -> str:
    """The verdict and one JSON line (the table rows are printed as samples are taken)."""
    verdict = summary["verdict"] + "".join(f"; {p}" for p in summary["problems"])
    return "\n".join([f"verdict: {verdict}", json.dumps(summary, sort_keys=True)])


async def _call(service: ApplianceService, n: int, workdir: Path) -> latency.Outcome:
    """One scripted call; its recordings are deleted afterwards (the caller's lines stay cached)."""
    try:
        return await run_script(service, SCRIPTS[n % len(SCRIPTS)], workdir)
    except Exception as exc:  # noqa: BLE001 - a failed call is counted, the soak goes on
        return exc
    finally:
        for path in workdir.iterdir():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)


async def _settle(calls: int, baseline: Sample | None, timeout_s: float) -> Sample:
    """A sample once ended calls are released: without a baseline, when two samples half a
    second apart agree; with one, when every count is back at or below it; or on timeout."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        gc.collect()
        now = sample(calls)
        if baseline is None:
            steady = last is not None and all(getattr(now, n) == getattr(last, n) for n in COUNTS)
        else:
            steady = all(getattr(now, n) <= getattr(baseline, n) for n in COUNTS)
        if steady or time.monotonic() >= deadline:
            return now
        last = now
        await asyncio.sleep(0.5)


def open_files() -> dict[str, int]:
    """How many of this process's descriptors point to each target (a file's path, or the
    kind: pipe, socket, anon_inode:...)."""
    counts: dict[str, int] = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used, closed by now
            continue
        kind = target.split(":[", 1)[0] if ":[" in target else target
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _children() -> int:
    """Processes whose parent is this one (a scan of /proc; the kernel may lack .../children)."""
    me, count = os.getpid(), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                count += int(stat.read().rsplit(")", 1)[1].split()[1]) == me
        except (OSError, IndexError, ValueError):
            continue
    return count
