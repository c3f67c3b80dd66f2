"""ONNX Runtime sessions for the small models (VAD, end of turn): CPU, quiet, few threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appliance.errors import EngineError


def onnx_session(path: Path, what: str, threads: int = 1) -> Any:
    """An inference session for the model file at `path`; `EngineError` naming `what` if it
    cannot be loaded."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = threads
    options.log_severity_level = 4
    try:
        return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{what} could not load {path}: {exc}") from exc
