"""Choose CPU or GPU per engine: `auto` takes CUDA when the engine's build can use it."""

from __future__ import annotations

import logging

from appliance.errors import DeviceUnavailableError
from appliance.models.manifest import Engine

log = logging.getLogger(__name__)

GPU_HINTS = {
    Engine.LLAMA_CPP: "rebuild llama-cpp-python with CMAKE_ARGS='-DGGML_CUDA=on' "
                      "(installer/install.sh --gpu)",
    Engine.FASTER_WHISPER: "install the NVIDIA driver and CUDA 12 runtime libraries for CTranslate2",
    Engine.PIPER: "install onnxruntime-gpu in place of onnxruntime (installer/install.sh --gpu)",
}


def cuda_available(engine: Engine) -> bool:
    """Whether this engine's installed build can run on an NVIDIA GPU here."""
    try:
        if engine == Engine.LLAMA_CPP:
            import llama_cpp

            return bool(llama_cpp.llama_supports_gpu_offload())
        if engine == Engine.FASTER_WHISPER:
            import ctranslate2

            return ctranslate2.get_cuda_device_count() > 0
        if engine in (Engine.PIPER, Engine.SILERO):
            import onnxruntime

            return "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    except Exception as exc:  # noqa: BLE001 - a broken GPU stack means "no GPU", said once
        log.info("no GPU for %s: %s", engine, exc)
    return False


def pick_device(requested: str, engine: Engine) -> str:
    """'cpu' or 'cuda' for `engine`; raise `DeviceUnavailableError` if cuda was demanded in vain."""
    if requested == "cpu" or engine not in GPU_HINTS:
        return "cpu"
    available = cuda_available(engine)
    if requested == "cuda" and not available:
        raise DeviceUnavailableError(
            f"device = 'cuda' but the {engine} build here cannot use a GPU: {GPU_HINTS[engine]}"
        )
    device = "cuda" if available else "cpu"
    log.info("%s runs on %s", engine, device)
    return device
