"""The set-up's last check, for real and end to end: `appliance setup --yes` writes the clinic's
profile, then the appliance starts on loopback with it, takes a call to itself and answers the
opening-hours question from that profile. In its own process: one SIP stack per process, and
the call tests' service is running in this one."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

HOURS = "We are open Monday to Thursday from 9 to 5."


def test_setup_ends_with_the_appliance_answering_a_call_to_itself(tmp_path):
    config = tmp_path / "appliance.toml"
    done = subprocess.run(
        [sys.executable, "-m", "appliance", "--config", str(config), "setup", "--yes", "--skip-checks",
         "--registrar", "", "--clinic-name", "Lakeside Dental", "--timezone", "Europe/Berlin", "--hours", HOURS],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: the appliance answered and replied in" in done.stdout
    assert "Lakeside Dental" in done.stdout and HOURS in done.stdout, done.stdout
    assert 'name = "Lakeside Dental"' in config.read_text()
