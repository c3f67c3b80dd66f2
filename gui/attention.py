"""Taking the receptionist's eye when a call needs a person: the window comes forward, a desktop
notification (through the desktop's notification service on D-Bus) and a short chime, each of
the last two switched on or off by the receptionist."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QObject, QProcess, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QWidget

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


def add_alert_switches(menu: QMenu, attention: Attention, settings: QSettings) -> dict[str, QAction]:
    """Two checkable entries in `menu` switching `attention`'s notification and chime, kept in
    `settings` (on unless switched off)."""
    actions = {}
    for key, text in (("notify", "Desktop &notification when a call needs a person"),
                      ("sound", "&Chime when a call needs a person")):
        on = settings.value(f"alerts/{key}", True, bool)
        setattr(attention, key, on)

        def switch(checked: bool, key: str = key) -> None:
            setattr(attention, key, checked)
            settings.setValue(f"alerts/{key}", checked)
        action = QAction(text, menu, checkable=True, checked=on, toggled=switch)
        menu.addAction(action)
        actions[key] = action
    return actions
