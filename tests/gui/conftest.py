"""GUI tests: real widgets (offscreen Qt), a real store seeded with the demo clinic."""

from __future__ import annotations

import pytest

from appliance.config import Config
from appliance.control.protocol import socket_path
from appliance.lab.demo import demo_config
from gui.service_link import ServiceLink
from gui.store_worker import StoreWorker
from tests.control_service import ServiceOnLoop


@pytest.fixture()
def desk_config(tmp_path):
    """The demo clinic: two dentists, three services, weekday and Saturday hours, one patient."""
    return demo_config(Config(), tmp_path / "data")


@pytest.fixture()
def store_worker(qtbot, desk_config):
    """The window's store worker on that store."""
    worker = StoreWorker(desk_config.paths.data / "appliance.db", desk_config)
    yield worker
    worker.close()


@pytest.fixture()
def link(desk_config):
    """The window's link to the service, not started: no service runs unless a test asks for one."""
    return ServiceLink(socket_path(desk_config))


@pytest.fixture()
def service(qtbot, desk_config, link):
    """A control server (no calls) the link is connected to; `publish` sends it an event."""
    server = ServiceOnLoop(desk_config.paths.data)
    link.start()
    try:
        qtbot.waitUntil(lambda: link.connected, timeout=5000)
        yield server
    finally:
        link.stop()
        server.close()


@pytest.fixture()
def sent(monkeypatch, link):
    """The commands the window sends, recorded instead of sent as (cmd, args): placing a call back is
    the service's part, tested with it; here the answer is given with `link.command_done.emit`."""
    commands = []
    monkeypatch.setattr(link, "command", lambda cmd, call_id="", **args: commands.append((cmd, args)))
    return commands
