"""The window's View menu: Refresh (F5) and one entry per tab (Ctrl+1, Ctrl+2, ...), so the
window's own commands can be found in a menu and reached from the keyboard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QTabWidget


def add_view_menu(window: QMainWindow, tabs: QTabWidget, refresh: Callable[[], None]) -> QMenu:
    """Add the View menu to `window`'s menu bar: `refresh` and a switch to each of `tabs`."""
    menu = window.menuBar().addMenu("&View")
    menu.addAction(QAction("&Refresh", window, shortcut=QKeySequence("F5"), triggered=refresh))
    menu.addSeparator()
    for index in range(tabs.count()):
        menu.addAction(QAction(tabs.tabText(index).replace("&", ""), window, shortcut=QKeySequence(f"Ctrl+{index + 1}"),
                               triggered=lambda _checked=False, i=index: tabs.setCurrentIndex(i)))
    return menu
