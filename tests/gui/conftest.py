"""GUI tests: real widgets (offscreen Qt, on a 1920x1080 screen) in the window's light look, a real
store seeded with the demo clinic; what the window remembers goes to each test's own file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from appliance.config import Config
from appliance.control.protocol import socket_path
from appliance.lab.demo import demo_config
from gui import theme
from gui.service_link import ServiceLink
from gui.store_worker import StoreWorker
from tests.control_service import ServiceOnLoop

DESK_SCREEN = Path(__file__).with_name("desk_screen.json")

if os.environ.get("QT_QPA_PLATFORM") == "offscreen":  # a 1920x1080 screen, not offscreen's 800x800
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={DESK_SCREEN}"


@pytest.fixture(scope="session", autouse=True)
def look(qapp):
    """The window's light look, so tones have their colours as they do in the window."""
    return theme.apply(qapp, theme.LIGHT)


@pytest.fixture(autouse=True)
def remembered(tmp_path):
    """The folder of this test's own window settings (size, tab, columns), empty at the start."""
    folder = tmp_path / "user-settings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


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
