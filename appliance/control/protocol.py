"""The wire format: one JSON object per line, events tagged with their type."""

from __future__ import annotations

import dataclasses
import json
import time
from enum import Enum
from pathlib import Path
from typing import Any

from appliance.config import Config

MAX_LINE = 1 << 20  # a longer line is refused: a client cannot make the service buffer without end


def socket_path(config: Config) -> Path:
    """Where the service listens: `control.sock` in the data directory."""
    return config.paths.data / "control.sock"


def wall_clock(monotonic_at: float) -> float:
    """A monotonic event time as a Unix time."""
    return time.time() - (time.monotonic() - monotonic_at)


def event_message(event: object) -> dict[str, Any]:
    """An event dataclass as a message: {"type": "CallStarted", fields..., "at": unix time}."""
    fields = {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)}
    fields["at"] = wall_clock(fields["at"])
    return {"type": type(event).__name__.removesuffix("Event"), **fields}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def encode(message: dict[str, Any]) -> bytes:
    """One line of the wire."""
    return json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Parse one line; ValueError when it is not a JSON object."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message
