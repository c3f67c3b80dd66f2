"""The end-of-turn model (Smart Turn v3.2, ONNX) as installed from its package."""

from __future__ import annotations

import numpy as np
import pytest

from appliance.audio import to_pcm
from appliance.errors import EngineError
from appliance.models.detect import detect_model
from appliance.models.engines import load_engine
from appliance.models.manifest import Engine, Role
from appliance.models.turn_smart import SmartTurn
from tests.speech import espeak, phone_band, silence


@pytest.fixture(scope="module")
def model(config, store):
    return load_engine(Role.TURN, config, store)


def test_a_turn_is_scored_between_0_and_1_and_the_same_audio_alike(model):
    turn = phone_band(espeak("Can I speak to someone at the front desk please?")) + silence(0.2)
    score = model.finished(turn)
    assert 0.0 <= score <= 1.0 and model.finished(turn) == score
    assert model.finished(turn[: len(turn) // 2]) != score  # it hears the audio, not its length alone


def test_only_the_last_eight_seconds_count(model):
    rng = np.random.default_rng(3)
    tail = espeak("I would like to book a cleaning appointment for next Tuesday, if you have one.")
    tail = (silence(8.0) + tail)[-8 * 32000:]
    before = to_pcm(rng.normal(0, 0.1, 16000 * 3).astype(np.float32))
    assert model.finished(before + tail) == pytest.approx(model.finished(tail), abs=1e-6)


@pytest.mark.parametrize("seconds", [0.0, 0.02, 1.0])
def test_an_empty_or_silent_turn_is_scored_without_error(model, seconds):
    assert 0.0 <= model.finished(silence(seconds)) <= 1.0


def test_a_broken_model_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "turn.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(EngineError, match="Smart Turn could not load"):
        SmartTurn(broken)


def test_a_clinic_supplied_smart_turn_file_is_recognised(store):
    entry, path = store.resolve(Role.TURN)
    found = detect_model(path)
    assert (found.role, found.engine) == (Role.TURN, Engine.SMART_TURN) and entry.name == "smart-turn-v3.2"
