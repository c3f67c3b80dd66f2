"""`appliance bench answering` end to end on two voices: synthesized answers and greetings through
the phone and the real VAD. Asserts that it ran and reported, not how well it did (that is what
the benchmark measures)."""

from __future__ import annotations

import json

import pytest

from appliance.cli import main

pytestmark = pytest.mark.slow


def test_a_quick_run_on_two_voices_prints_a_table_and_one_json_line(tmp_path, capsys):
    config = tmp_path / "appliance.toml"
    config.write_text("")  # the built-in defaults, whatever this machine's /etc holds
    args = ["--config", str(config), "bench", "answering", "--voices", "espeak,flite-slt", "--noise", "clean",
            "--quick"]
    assert main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "people" in lines[2] and "machines" in lines[2]
    payload = json.loads(lines[-1])
    assert payload["bench"] == "answering" and payload["clips"] == 24
    assert set(payload["by_voice_noise"]) == {"espeak/clean", "flite-slt/clean"}
    overall = payload["overall"]
    for key in ("people", "machines", "person_accuracy", "machine_accuracy", "accuracy", "person_wait_ms",
                "machine_heard_ms", "beep", "no_beep"):
        assert key in overall
    assert overall["people"] == overall["machines"] == 12
    assert overall["beep"]["clips"] > 0 and overall["no_beep"]["clips"] > 0
    assert set(overall["beep"]) >= {"before_start", "during", "after_end", "never", "after_end_share", "after_end_ms"}
    assert set(overall["person_wait_ms"]) == {"p50", "p95"}
    assert payload["options"]["person_max_speech_s"] > 0 and isinstance(payload["mistakes"], list)
