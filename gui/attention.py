"""Taking the receptionist's eye when a call needs a person: the window comes forward, a desktop
notification (through the desktop's notification service on D-Bus) and a short chime, each of
the last two switched on or off by the receptionist."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QObject, QProcess
from PySide6.QtWidgets import QApplication, QWidget

from appliance.headset.chime import play_chime

APP_NAME = "Front desk"
NOTIFY_SECONDS = 15


def notify_command(title: str, body: str) -> list[str]:
    """The `gdbus` call that shows a desktop notification (org.freedesktop.Notifications.Notify)."""
    return ["call", "--session", "--dest", "org.freedesktop.Notifications", "--object-path",
            "/org/freedesktop/Notifications", "--method", "org.freedesktop.Notifications.Notify", APP_NAME,
            "uint32 0", "dialog-warning", title, body, "@as []", "@a{sv} {'urgency': <byte 2>}",
            f"int32 {NOTIFY_SECONDS * 1000}"]


class Attention(QObject):
    """Brings `window` forward and, as switched, notifies the desktop and chimes."""

    def __init__(self, window: QWidget, notify: bool = True, sound: bool = True) -> None:
        super().__init__(window)
        self.window, self.notify, self.sound = window, notify, sound
        self.last_sound_problem = ""  # why the last chime did not play ('' when it did, or none was asked)

    def call_needs_person(self, title: str, body: str) -> None:
        """Bring the window forward; notify and chime (each if switched on)."""
        if self.window.isMinimized():
            self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        QApplication.alert(self.window)  # the task bar flashes where the desktop cannot be asked to raise
        if self.notify:
            self._notify(title, body)
        self.last_sound_problem = play_chime() if self.sound else ""

    def _notify(self, title: str, body: str) -> None:
        gdbus = shutil.which("gdbus")
        if gdbus is None:
            return  # no desktop notification tool: the window and the chime still tell
        process = QProcess(self)
        process.finished.connect(process.deleteLater)
        process.start(gdbus, notify_command(title, body))
