"""Import rules from pyproject.toml: layers, the core never imports Qt, engines only in
appliance.models, and the call loop runs without the SIP stack."""

import shutil
import subprocess
import sys
from pathlib import Path

from appliance.config import PROJECT_ROOT


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([lint], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 3 kept, 0 broken" in proc.stdout


def test_the_call_loop_and_the_dialogue_load_without_the_sip_stack():
    code = ("import sys, appliance.voice.session, appliance.dialogue.policy, appliance.reception; "
            "sys.exit('pjsua2' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT).returncode == 0
