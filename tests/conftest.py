"""Shared fixtures: the real models folder, synthesized speech, the fast LLM."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from appliance.config import PROJECT_ROOT, Config
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.store import ModelStore

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # GUI tests run without a display
MODELS_DIR = PROJECT_ROOT / "models"
FAST_LLM = "smollm2-135m-instruct-q4_1"


@pytest.fixture(scope="session")
def config() -> Config:
    """Defaults: models from the project's models/ folder."""
    return Config()


@pytest.fixture(scope="session")
def store() -> ModelStore:
    """The installed models (the installer put them there)."""
    return ModelStore(MODELS_DIR)


@pytest.fixture()
def empty_models(tmp_path: Path) -> Path:
    """A models folder with the shipped manifest and nothing installed."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(MODELS_DIR / "manifest.toml", folder / "manifest.toml")
    return folder


@pytest.fixture(scope="session")
def whisper(config, store):
    return load_engine(Role.STT, config, store, "whisper-tiny.en")


@pytest.fixture(scope="session")
def piper(config, store):
    return load_engine(Role.TTS, config, store)


@pytest.fixture(scope="session")
def fast_llm(config, store):
    engine = load_engine(Role.LLM, config, store, FAST_LLM)
    yield engine
    engine.close()


@pytest.fixture()
def withheld_secrets(monkeypatch):
    """This user may not read secrets.toml files, as the front desk's user may not (tests run as root)."""
    real = os.access
    monkeypatch.setattr("appliance.config.files.os.access",
                        lambda path, mode: Path(path).name != "secrets.toml" and real(path, mode))
