"""`appliance bench engines` runs on the real models and ends with its JSON line."""

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_prints_a_table_and_a_json_line():
    proc = subprocess.run([sys.executable, "-m", "appliance", "bench", "engines"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    payload = json.loads(lines[-1])
    by_role = {r["role"]: r for r in payload["results"]}
    assert set(by_role) == {"stt", "llm", "tts", "vad"}
    assert by_role["llm"]["cached_prompt_tokens_cached"] > 100
    assert by_role["llm"]["tokens_per_s"] > 0
    assert by_role["stt"]["wer_4s"] <= 0.2
    assert by_role["tts"]["real_time_factor"] < 1
    assert "first_token_cold_s" in lines[0] or "metrics" in lines[0]
