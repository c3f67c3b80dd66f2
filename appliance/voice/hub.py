"""The engines of the service: loaded once, warmed, each with its own single worker thread.

Engines are not thread-safe and a 2-core box gains nothing from running two decodes of one
engine at once, so every STT, LLM and TTS call goes through that engine's executor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from appliance.config import Config
from appliance.models.engines import load_engine, open_store
from appliance.models.manifest import Role
from appliance.models.protocols import ChatMessage

log = logging.getLogger(__name__)
T = TypeVar("T")


class EngineHub:
    """STT, VAD, LLM and TTS for every call of the service."""

    def __init__(self, config: Config) -> None:
        store = open_store(config)
        started = time.monotonic()
        self.vad = load_engine(Role.VAD, config, store)
        self.stt = load_engine(Role.STT, config, store)
        self.tts = load_engine(Role.TTS, config, store)
        self.llm = load_engine(Role.LLM, config, store)
        self.load_s = time.monotonic() - started
        self._pools = {role: ThreadPoolExecutor(1, thread_name_prefix=f"engine-{role}")
                       for role in ("stt", "llm", "tts")}

    async def run(self, role: str, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the worker thread of `role`."""
        return await asyncio.get_running_loop().run_in_executor(self._pools[role], fn, *args)

    def submit(self, role: str, fn: Callable[..., T], *args: Any):
        """Queue `fn(*args)` on the worker of `role` without waiting (returns a Future)."""
        return self._pools[role].submit(fn, *args)

    def warm(self, system_prompt: str | None = None) -> float:
        """Exercise every engine once so the first call pays no start-up cost; return seconds."""
        started = time.monotonic()
        stream = self.stt.stream()
        stream.feed(b"\0" * 16000)
        stream.finish()
        # sentences of several lengths: ONNX Runtime sizes its buffers on the first runs
        for _ in self.tts.synthesize("Hello. Thank you for calling, how can I help you today? We are open "
                                     "Monday to Friday from 8 in the morning to 6 in the evening."):
            pass
        if system_prompt:
            reply = self.llm.chat([ChatMessage("system", system_prompt), ChatMessage("user", "Hello")],
                                  max_tokens=1)
            for _ in reply:
                pass
        return time.monotonic() - started

    def close(self) -> None:
        """Stop the workers and free the models."""
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        for engine in (self.stt, self.tts, self.llm):
            engine.close()
