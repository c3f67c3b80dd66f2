"""The installer is idempotent: run again on an installed checkout, it changes nothing, quickly."""

import subprocess
import time

import pytest

from appliance.config import PROJECT_ROOT


@pytest.mark.slow
def test_second_run_is_a_fast_no_op():
    started = time.monotonic()
    proc = subprocess.run(["bash", "installer/install.sh", "--dev"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "present" in out and "up to date" in out, out
    assert "installing:" not in out and "compiling" not in out and ": installed" not in out, out
    assert out.count("already installed and verified") >= 4, out
    assert elapsed < 120, f"second run took {elapsed:.0f} s"


def test_unknown_option_is_refused():
    proc = subprocess.run(["bash", "installer/install.sh", "--frobnicate"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown option --frobnicate" in proc.stderr
