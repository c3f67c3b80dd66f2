"""The models folder: install from registry packages, verify, detect corruption, add files."""

import json
import shutil

import pytest

from appliance.errors import ModelChecksumError, ModelError, ModelKindError, ModelMissingError
from appliance.models.manifest import Engine, Role
from appliance.models.store import ModelStore, Status
from tests.conftest import FAST_LLM, MODELS_DIR


def test_install_verify_and_resolve(empty_models):
    store = ModelStore(empty_models)
    entry = store.manifest.get(FAST_LLM)
    assert store.status(entry).status == Status.MISSING
    with pytest.raises(ModelMissingError, match="models install"):
        store.resolve(Role.LLM, FAST_LLM)
    seen = []
    assert store.install(entry, lambda label, total: seen.append(total) or (lambda n: None))
    assert seen == [entry.size]
    assert store.status(entry).status == Status.VERIFIED
    assert not store.install(entry), "a second install is a no-op"
    resolved, path = store.resolve(Role.LLM, FAST_LLM)
    assert path.stat().st_size == entry.size
    assert not list(empty_models.rglob("*.partial")), "no temporary files left behind"


def test_folder_models_install_as_folders(empty_models):
    store = ModelStore(empty_models)
    store.install(store.manifest.get("piper-en_US-joe-medium"))
    voice = empty_models / "tts" / "en_US-joe-medium"
    assert (voice / "en_US-joe-medium.onnx").is_file()
    assert (voice / "en_US-joe-medium.onnx.json").is_file()


def test_corrupt_file_is_found_and_repaired(empty_models):
    store = ModelStore(empty_models)
    entry = store.manifest.get("silero-vad-v6")
    store.install(entry)
    path = entry.location(empty_models)
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    assert store.status(entry).status == Status.UNVERIFIED, "a changed file is noticed"
    assert store.verify(entry).status == Status.CORRUPT
    assert store.status(entry).status == Status.CORRUPT
    with pytest.raises(ModelChecksumError, match="does not match its sha256"):
        store.resolve(Role.VAD, "silero-vad-v6")
    assert store.install(entry), "install restores a corrupt model"
    assert store.status(entry).status == Status.VERIFIED


def test_a_wrong_pinned_hash_leaves_nothing_installed(empty_models):
    manifest = (empty_models / "manifest.toml").read_text()
    sha = "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2"
    (empty_models / "manifest.toml").write_text(manifest.replace(f'sha256 = "{sha}"\nparts', f'sha256 = "{"0" * 64}"\nparts'))
    store = ModelStore(empty_models)
    with pytest.raises(ModelChecksumError, match="does not match the manifest"):
        store.install(store.manifest.get("silero-vad-v6"))
    assert not (empty_models / "vad" / "silero_vad_v6.onnx").exists()
    assert not list(empty_models.rglob("*.partial"))


def test_add_a_gguf_and_make_it_the_default(empty_models):
    store = ModelStore(empty_models)
    entry = store.add(MODELS_DIR / "llm" / "smollm2-135m-instruct-q4_1.gguf", Role.LLM,
                      name="clinic-llm", use=True)
    assert entry.engine == Engine.LLAMA_CPP and entry.size > 0
    reread = ModelStore(empty_models)
    assert reread.manifest.default(Role.LLM).name == "clinic-llm"
    assert reread.status(entry).status == Status.VERIFIED
    assert reread.resolve(Role.LLM)[1] == empty_models / "llm" / "clinic-llm.gguf"
    with pytest.raises(ModelError, match="already known"):
        reread.add(MODELS_DIR / "llm" / "smollm2-135m-instruct-q4_1.gguf", Role.LLM, name="clinic-llm")


def test_add_a_piper_voice_file_and_a_vosk_folder(empty_models, tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir()
    src = MODELS_DIR / "tts" / "en_US-joe-medium"
    shutil.copy(src / "en_US-joe-medium.onnx", loose / "my-voice.onnx")
    shutil.copy(src / "en_US-joe-medium.onnx.json", loose / "my-voice.onnx.json")
    store = ModelStore(empty_models)
    voice = store.add(loose / "my-voice.onnx", Role.TTS)
    assert voice.name == "my-voice" and voice.engine == Engine.PIPER
    assert (empty_models / "tts" / "my-voice" / "my-voice.onnx.json").is_file()
    vosk = store.add(MODELS_DIR / "stt" / "vosk-ko", Role.STT, name="vosk-other")
    assert vosk.engine == Engine.VOSK


@pytest.mark.parametrize("maker, role, message", [
    (lambda p: (p.write_bytes(b"\0" * 100), p)[1], Role.LLM, "is not a model this appliance can use"),
    (lambda p: (p.write_bytes(b"GGUF\x63\0\0\0" + b"\0" * 100), p)[1], Role.LLM, "unknown version 99"),
    (lambda p: shutil.copy(MODELS_DIR / "llm" / "smollm2-135m-instruct-q4_1.gguf", p) and p,
     Role.TTS, "is a GGUF language model \\(role llm\\), not a tts model"),
    (lambda p: p.mkdir() or p, Role.STT, "is a folder but not a model"),
])
def test_wrong_files_are_refused_with_a_clear_error(empty_models, tmp_path, maker, role, message):
    path = maker(tmp_path / "offered.bin")
    with pytest.raises(ModelKindError, match=message):
        ModelStore(empty_models).add(path, role)
    assert not (empty_models / "added.toml").exists()


def test_state_file_survives_garbage(empty_models):
    (empty_models / ".state.json").write_text("{not json")
    store = ModelStore(empty_models)
    store.install(store.manifest.get("silero-vad-v6"))
    assert json.loads((empty_models / ".state.json").read_text())["silero-vad-v6"]["size"] > 0
