"""Driving widgets the way a person does, for the GUI tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit


def replace_text(qtbot, edit: QLineEdit, text: str) -> None:  # noqa: ANN001
    """Clear a line edit and type `text` into it."""
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def click(qtbot, button) -> None:  # noqa: ANN001
    """A left click."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_loaded(qtbot, widget, rows, expected: int):  # noqa: ANN001, ANN201
    """`widget` shown and refreshed once `rows(widget)` reaches `expected` (the store read)."""
    qtbot.addWidget(widget)
    widget.show()
    widget.refresh()
    qtbot.waitUntil(lambda: rows(widget) == expected)
    return widget


def calendar_on(qtbot, store_worker, config, day):  # noqa: ANN001, ANN201
    """The calendar view shown on `day` (day view, all providers), once it has loaded."""
    from gui.calendar_view import CalendarView

    calendar = CalendarView(store_worker, config)
    qtbot.addWidget(calendar)
    calendar.resize(1200, 900)
    calendar.show()
    with qtbot.waitSignal(calendar.loaded, timeout=10000):
        calendar.show_day(day)
    return calendar
