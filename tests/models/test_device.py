"""CPU/GPU selection: auto falls back to the CPU, a demanded GPU that is absent is a clear error."""

import pytest

from appliance.config import Config, EnginesConfig
from appliance.errors import DeviceUnavailableError
from appliance.models import device
from appliance.models.engines import load_engine
from appliance.models.manifest import Engine, Role


def test_cpu_is_always_cpu():
    assert device.pick_device("cpu", Engine.LLAMA_CPP) == "cpu"


def test_auto_follows_detection(monkeypatch):
    monkeypatch.setattr(device, "cuda_available", lambda engine: True)
    assert device.pick_device("auto", Engine.FASTER_WHISPER) == "cuda"
    monkeypatch.setattr(device, "cuda_available", lambda engine: False)
    assert device.pick_device("auto", Engine.FASTER_WHISPER) == "cpu"


def test_engines_without_gpu_support_stay_on_cpu():
    assert device.pick_device("cuda", Engine.WEBRTC) == "cpu"


@pytest.mark.parametrize("engine", [Engine.LLAMA_CPP, Engine.FASTER_WHISPER, Engine.PIPER])
def test_real_detection_runs_on_this_machine(engine):
    assert device.cuda_available(engine) in (True, False)


def test_demanding_cuda_without_a_gpu_build_says_how_to_get_one(store):
    if device.cuda_available(Engine.PIPER):
        pytest.skip("this machine has a GPU build of onnxruntime")
    config = Config(engines=EnginesConfig(device="cuda"))
    with pytest.raises(DeviceUnavailableError, match="onnxruntime-gpu"):
        load_engine(Role.TTS, config, store)
