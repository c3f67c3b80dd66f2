"""The language model every call's dialogue reads with, one reading at a time.

Each call decides on a worker of its own (`EngineHub.lane`), so a reply the rules decide in
milliseconds never queues behind another call's reading (about 2 s on 2 cores). The model
itself is not thread-safe: its readings take turns here. A reading that cannot finish within
its time budget, waiting included, that nobody needs any more, or that would wait for a
model which stopped answering fails as an `EngineError`: the dialogue goes on with its rules.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from appliance.errors import EngineError
from appliance.models.protocols import ChatMessage, LlmEngine

POLL_S = 0.05  # how often a reading waiting for the model checks whether it is still needed


class SharedLlm:
    """`llm` for several threads: `chat_json` one call at a time. A reading that has held the
    model for more than `stuck_after_s` means the model stopped answering (`stuck_since`)."""

    def __init__(self, llm: LlmEngine, stuck_after_s: float) -> None:
        self.llm = llm
        self.stuck_after_s = stuck_after_s
        self._turn = threading.Lock()
        self._held_since: float | None = None  # monotonic: when the reading in progress began
        self.calls = 0  # calls in progress: with more than one, their engines run beside the model

    @property
    def name(self) -> str:
        """The model's name."""
        return self.llm.name

    def stuck_since(self) -> float | None:
        """Since when (monotonic) the model has not answered a reading; None while it answers."""
        held = self._held_since
        return held if held is not None and time.monotonic() - held > self.stuck_after_s else None

    def chat_json(self, messages: Sequence[ChatMessage], json_schema: dict[str, Any], *,
                  max_tokens: int | None = None, time_budget_s: float | None = None,
                  stop: Callable[[], bool] | None = None) -> dict[str, Any]:
        """The model's reading once it is free (see `LlmEngine.chat_json`), within `time_budget_s`
        from now, the wait for the model included."""
        started = time.monotonic()
        while not self._turn.acquire(timeout=POLL_S):
            waited = time.monotonic() - started
            if self.stuck_since() is not None:
                raise EngineError("the language model is not answering")
            if stop is not None and stop():
                raise EngineError("the reading was no longer needed")
            if time_budget_s is not None and waited >= time_budget_s:
                raise EngineError(f"the language model was busy with another call for {waited:.1f} s")
        self._held_since = time.monotonic()
        try:
            left = None if time_budget_s is None else time_budget_s - (self._held_since - started)
            if left is not None and left <= 0:
                raise EngineError("the language model was busy with another call")
            self.llm.share_cores(self.calls > 1)
            return self.llm.chat_json(messages, json_schema, max_tokens=max_tokens, time_budget_s=left, stop=stop)
        finally:
            self._held_since = None
            self._turn.release()
