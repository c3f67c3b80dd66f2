"""A running appliance service (real models, real SIP on loopback) shared by the call tests."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace

import pytest

from appliance.config import Config, VoiceConfig
from appliance.lab.demo import demo_config
from appliance.lab.peer_client import EventLog
from appliance.service import ApplianceService


class LiveService:
    """The service on its own event loop thread, with every event logged."""

    def __init__(self, config: Config) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.service = ApplianceService(config)
        self.events = EventLog()
        self.run(self.service.start())
        self.loop.call_soon_threadsafe(self.service.subscribe, self.events.add)

    def run(self, coro, timeout: float = 120):  # noqa: ANN001, ANN201
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def set_voice(self, **changes) -> None:
        """Change turn-taking settings for the calls that start after this."""
        self.service.config = replace(self.service.config, voice=replace(VoiceConfig(), **changes))

    def last_call(self, timeout: float = 10.0) -> dict:
        """The newest call's record, once the call log has closed it (it is written on the
        store's own worker, a moment after the call ends)."""
        deadline = time.monotonic() + timeout
        while True:
            row = next(self.service.call_log.db.query("SELECT * FROM calls ORDER BY id DESC LIMIT 1"), None)
            if row is not None and row["ended_at"] or time.monotonic() > deadline:
                return row
            time.sleep(0.05)

    def stop(self) -> None:
        self.run(self.service.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    live = LiveService(demo_config(Config(), tmp_path_factory.mktemp("service")))
    yield live
    live.stop()


@pytest.fixture(autouse=True)
def default_voice(request):
    if "live" in request.fixturenames:
        request.getfixturevalue("live").set_voice()
