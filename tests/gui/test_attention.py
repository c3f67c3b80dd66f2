"""A call that needs a person takes the eye: the window comes forward, a desktop notification goes
to the desktop's notification service on a real (private) D-Bus session bus, and no chime plays
when switched off or without a speaker."""

from __future__ import annotations

import subprocess
import time

import pytest
from PySide6.QtWidgets import QWidget

from gui.attention import Attention


@pytest.fixture()
def session_bus(tmp_path, monkeypatch):
    """A private session bus, and a monitor printing every Notify call sent on it."""
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                               f"--address=unix:path={tmp_path / 'bus'}"], stdout=subprocess.PIPE, text=True)
    address = daemon.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    out = (tmp_path / "monitor.txt").open("w")
    monitor = subprocess.Popen(["dbus-monitor", "--address", address,
                                "interface='org.freedesktop.Notifications'"], stdout=out, stderr=subprocess.STDOUT)
    time.sleep(0.3)  # the monitor has joined
    yield tmp_path / "monitor.txt"
    monitor.terminate()
    daemon.terminate()
    monitor.wait(5)
    daemon.wait(5)
    out.close()


def test_the_window_comes_forward_and_the_desktop_is_notified(qtbot, session_bus):
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    attention = Attention(window, notify=True, sound=False)
    attention.call_needs_person("Maria Lopez (+15551234567) needs a person", "Handed over: possible emergency")
    assert not window.isMinimized() and attention.last_sound_problem == ""
    qtbot.waitUntil(lambda: "member=Notify" in session_bus.read_text(), timeout=5000)
    sent = session_bus.read_text()
    assert 'string "Front desk"' in sent and 'string "Maria Lopez (+15551234567) needs a person"' in sent
    assert 'string "Handed over: possible emergency"' in sent


def test_switched_off_nothing_is_sent(qtbot, session_bus):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    Attention(window, notify=False, sound=False).call_needs_person("A caller needs a person", "why")
    qtbot.wait(1000)
    assert "member=Notify" not in session_bus.read_text()
