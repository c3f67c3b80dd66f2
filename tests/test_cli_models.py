"""`appliance models ...` as a clinic's IT person runs it."""

import json

import pytest

from appliance.cli import main
from tests.conftest import MODELS_DIR


@pytest.fixture()
def config_file(tmp_path, empty_models):
    path = tmp_path / "appliance.toml"
    path.write_text(f'[paths]\nmodels = "{empty_models}"\n')
    return path


def test_list_shows_the_default_set_installed_and_verified(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("qwen2.5-coder-1.5b-instruct-q4km", "whisper-base", "piper-en_US-joe-medium",
                 "silero-vad-v5"):
        line = next(line for line in out.splitlines() if name in line)
        assert "yes" in line and "verified" in line and "unverified" not in line, line


def test_install_verify_add_through_the_command(config_file, empty_models, capsys, tmp_path):
    assert main(["--config", str(config_file), "models", "install", "silero-vad-v6"]) == 0
    assert "silero-vad-v6: installed" in capsys.readouterr().out
    assert main(["--config", str(config_file), "models", "install", "silero-vad-v6"]) == 0
    assert "already installed and verified" in capsys.readouterr().out
    assert main(["--config", str(config_file), "models", "verify", "silero-vad-v6"]) == 0
    assert "silero-vad-v6: verified" in capsys.readouterr().out

    (empty_models / "vad" / "silero_vad_v6.onnx").write_bytes(b"broken")
    assert main(["--config", str(config_file), "models", "verify", "silero-vad-v6"]) == 2
    captured = capsys.readouterr()
    assert "corrupt" in captured.out and "[model.checksum]" in captured.err

    voice = MODELS_DIR / "tts" / "en_US-joe-medium"
    assert main(["--config", str(config_file), "models", "add", str(voice), "--role", "llm"]) == 2
    assert "Piper voice folder (role tts), not a llm model" in capsys.readouterr().err
    assert main(["--config", str(config_file), "models", "add", str(voice), "--role", "tts",
                 "--name", "joe-copy"]) == 0
    assert "added tts model joe-copy (piper" in capsys.readouterr().out
    assert main(["--config", str(config_file), "models", "list"]) == 0
    assert "joe-copy" in capsys.readouterr().out


def test_config_check_reports_a_bad_value(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[engines]\ndevice = "gpu"\n')
    assert main(["--config", str(bad), "config", "check"]) == 2
    assert "engines.device must be one of" in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text('[engines]\ndevice = "cpu"\n[sip]\nregister = true\nregistrar = "trunk:5060"\n'
                    'user = "clinic"\npassword = "hunter2-secret"\n')
    assert main(["--config", str(good), "config", "check"]) == 0
    out = capsys.readouterr().out
    assert "config ok" in out and "registrar = trunk:5060" in out
    assert "hunter2" not in out and "password = (set, not shown)" in out


def test_manifest_json_roundtrip_of_added_models(config_file, empty_models, capsys):
    gguf = MODELS_DIR / "llm" / "smollm2-135m-instruct-q4_1.gguf"
    assert main(["--config", str(config_file), "models", "add", str(gguf), "--role", "llm", "--use",
                 "--name", "clinic-llm"]) == 0
    text = (empty_models / "added.toml").read_text()
    assert 'default = true' in text and json.dumps("llm/clinic-llm.gguf") in text


def test_add_shows_progress_bars_for_the_copy_and_the_check(config_file, empty_models, capsys, tmp_path):
    gguf = tmp_path / "clinic.gguf"
    gguf.write_bytes(b"GGUF\x03\0\0\0" + b"\0" * 3_000_000)
    assert main(["--config", str(config_file), "models", "add", str(gguf), "--role", "llm"]) == 0
    captured = capsys.readouterr()
    assert "added llm model clinic (llama-cpp, 3 MB)" in captured.out
    assert "copy clinic [##############################] 100% 3/3 MB" in captured.err
    assert "check clinic [##############################] 100% 3/3 MB" in captured.err
