"""A control server for a service with no calls, on its own loop thread (for control and
GUI tests that need the channel but not the engines)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from types import SimpleNamespace

from appliance.calsync.worker import SyncStatus
from appliance.config import Config, PathsConfig, TransferConfig
from appliance.control.protocol import socket_path
from appliance.control.server import ControlServer
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store


class ServiceOnLoop:
    """A control server for a service with no calls, on its own loop thread."""

    def __init__(self, tmp_path):
        config = replace(Config(), paths=PathsConfig(data=tmp_path), transfer=TransferConfig(staff_uri="sip:desk@x"))
        db = open_store(tmp_path / "appliance.db")
        if not Contacts(db).by_phone("+15551234567"):
            Contacts(db).add("Maria Lopez", ["+15551234567"])
        self.subscribers = []
        self.service = SimpleNamespace(config=config, database=tmp_path / "appliance.db", sessions={}, hub=None,
                                       problems=list, subscribe=self.subscribers.append,
                                       calendar_status=lambda: SyncStatus("off", 0, None, ""))
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.server = ControlServer(self.service, socket_path(config))
        self.run(self.server.start())

    def run(self, coro):  # noqa: ANN001, ANN201
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def publish(self, event) -> None:  # noqa: ANN001
        self.loop.call_soon_threadsafe(lambda: [s(event) for s in self.subscribers])

    def close(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
