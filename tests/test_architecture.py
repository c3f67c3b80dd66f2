"""Import rules from pyproject.toml: the core never imports Qt; engines only in appliance.models."""

import shutil
import subprocess
import sys
from pathlib import Path

from appliance.config import PROJECT_ROOT


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([lint], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 2 kept, 0 broken" in proc.stdout
