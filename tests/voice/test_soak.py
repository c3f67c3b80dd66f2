"""A short soak on the shared live service: the same code as `appliance bench soak`."""

from __future__ import annotations

import pytest

from appliance.bench import soak

pytestmark = pytest.mark.slow


def test_sequential_calls_leave_no_threads_or_file_descriptors_behind(live, tmp_path):
    limits = soak.Limits()
    report = live.run(soak.run(live.service, calls=8, warmup=2, every=4, workdir=tmp_path, limits=limits),
                      timeout=900)
    assert report["calls"] == 8 and report["samples"] == 3, report
    assert report["failed_calls"] == 0 and report["unanswered_turns"] == 0, report["failures"]
    for key in ("baseline", "final", "max", "growth"):
        assert set(report[key]) >= {"rss_mb", "threads", "tasks", "fds", "children"}, report[key]
    growth = report["growth"]
    assert growth["threads"] <= limits.threads and growth["tasks"] <= limits.threads, report
    assert growth["fds"] <= limits.fds and growth["children"] <= 0, report
    assert report["voice_to_voice_ms"]["second_half"]["p95"] > 0 and "fds_added" in report
