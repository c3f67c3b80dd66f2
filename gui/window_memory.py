"""The window opens as this user left it: its size and place, the tab shown, each named table's
column widths, order and sort, and each named splitter; the first time at a size that fits a
1920x1080 screen at 150% scaling. Kept per user in an INI file (QSettings); a missing or broken
file gives the defaults."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter, QTabWidget, QWidget

DEFAULT_SIZE = QSize(1240, 630)  # 1280x720 logical pixels, less a title bar and a task bar
ORGANISATION, APPLICATION = "appliance", "front-desk"


def user_settings() -> QSettings:
    """This user's settings file for the window (~/.config/appliance/front-desk.ini on Linux)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def header_key(header: QHeaderView) -> str:
    """Where a table's column header is kept: by the table's object name ('' for a table without one,
    and for a header of rows)."""
    name = header.parentWidget().objectName() if header.parentWidget() else ""
    return f"columns/{name}" if name and header.orientation() == Qt.Orientation.Horizontal else ""


def splitter_key(splitter: QSplitter) -> str:
    """Where a splitter's state is kept: by its object name ('' for a splitter without one)."""
    return f"splitters/{splitter.objectName()}" if splitter.objectName() else ""


class WindowMemory:
    """Saves and restores `window`'s geometry and state, `tabs`' current tab, and the column headers
    and splitters inside the tabs whose table or splitter has an object name."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget, settings: QSettings | None = None) -> None:
        self.window = window
        self.tabs = tabs
        self.settings = settings or user_settings()

    def restore(self) -> None:
        """Put the window back as it was saved; what is missing or unreadable keeps its default."""
        if not self._restored("window/geometry", self.window.restoreGeometry):
            self.window.resize(DEFAULT_SIZE.boundedTo(self.window.screen().availableSize()))
        self._restored("window/state", self.window.restoreState)
        tab = self.settings.value("window/tab", 0, int)
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        for header in self._named(QHeaderView, header_key):
            self._restore_header(header)
        for splitter in self._named(QSplitter, splitter_key):
            self._restored(splitter_key(splitter), splitter.restoreState)

    def save(self) -> None:
        """Write the window as it is now."""
        self.settings.setValue("window/geometry", self.window.saveGeometry())
        self.settings.setValue("window/state", self.window.saveState())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        for header in self._named(QHeaderView, header_key):
            self.settings.setValue(header_key(header), header.saveState())
        for splitter in self._named(QSplitter, splitter_key):
            self.settings.setValue(splitter_key(splitter), splitter.saveState())
        self.settings.sync()

    def _restore_header(self, header: QHeaderView) -> None:
        """Widths, order and sort as saved; how each column resizes stays as the view set it."""
        modes = [header.sectionResizeMode(section) for section in range(header.count())]
        stretch_last = header.stretchLastSection()
        if self._restored(header_key(header), header.restoreState):
            for section, mode in enumerate(modes):
                header.setSectionResizeMode(section, mode)
            header.setStretchLastSection(stretch_last)

    def _restored(self, key: str, restore: Callable[[QByteArray], bool]) -> bool:
        """Hand the bytes saved under `key` to `restore`; False when there are none or they do not fit."""
        value = self.settings.value(key)
        return isinstance(value, QByteArray) and not value.isEmpty() and bool(restore(value))

    def _named(self, kind: type, key: Callable[[QWidget], str]) -> list[QWidget]:
        """The widgets of `kind` in the window's tabs that have a key to be kept under."""
        return [widget for widget in self.tabs.findChildren(kind) if key(widget)]
