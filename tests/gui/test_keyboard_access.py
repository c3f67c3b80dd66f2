"""Every action within the keyboard's reach and named for screen readers, on each tab of the window
(and each tab inside one) and in the dialogs it opens: each enabled control takes Tab focus and the
Tab chain reaches it, Tab leaves it again (a table or a text box does not keep it), a button says
what it does and an input has a name or a label naming it; each tab has a mnemonic or a Ctrl+N, and
the View menu holds the window's own commands."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from appliance.crm.appointments import Appointment
from gui.calendar_dialogs import MoveDialog
from gui.calendar_grid import Entry
from gui.setup_wizard import SetupWizard
from gui.talk_dialog import TalkDialog
from gui.window import MainWindow

INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QAbstractItemView)
CONTROLS = (QAbstractButton, *INPUTS)
NO_TAB, NOT_REACHED, NO_NAME = "takes no Tab focus", "the Tab chain does not reach it", "has no name"
KEEPS_TAB, NO_MNEMONIC = "keeps Tab (it moves between cells or types a tab)", "has no mnemonic"
KNOWN: set[tuple[str, str, str]] = set()  # gaps a change leaves for later, each named (none now)


def internal(widget: QWidget) -> bool:
    """A part Qt builds a widget of (a spin box's or a combo box's line edit, a table's corner button,
    a tab bar's arrows, a line edit's clear button): the widget itself is checked."""
    return widget.objectName().startswith("qt_") or isinstance(
        widget.parentWidget(), QAbstractSpinBox | QComboBox | QTabBar | QLineEdit | QAbstractItemView)


def owner(widget: QWidget) -> str:
    """The gui module whose widget holds `widget`."""
    while not type(widget).__module__.startswith("gui."):
        widget = widget.parentWidget()
    return type(widget).__module__


def describe(widget: QWidget) -> str:
    """A control as a gap names it: its class and its object name, text or placeholder."""
    words = widget.objectName() or (widget.text() if isinstance(widget, QAbstractButton) else "") or (
        widget.placeholderText() if isinstance(widget, QLineEdit) else "")
    return f"{type(widget).__name__} {words!r}"


def tab_stops(start: QWidget) -> list[QWidget]:
    """Where Tab stops, in order, going round the window's focus chain from `start` (as Qt picks them)."""
    window, stops, widget = start.window(), [], start.nextInFocusChain()
    while widget is not start:
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus and widget.isEnabled() \
                and widget.isVisibleTo(window) and widget.focusProxy() is None:
            stops.append(widget)
        widget = widget.nextInFocusChain()
    return stops


def name_of(widget: QWidget) -> str:
    """What a screen reader says the control is: its accessible name, a button's text, or the text of
    the label it is the buddy of (a form row's label is)."""
    labels = [label.text() for label in widget.window().findChildren(QLabel) if label.buddy() is widget]
    text = widget.text() if isinstance(widget, QAbstractButton) else ""
    return (widget.accessibleName() or text or next(iter(labels), "")).replace("&", "").strip()


def control_gaps(page: QWidget) -> set[tuple[str, str, str]]:
    """(module, control, gap) for each enabled control shown on `page`."""
    gaps, stops = set(), tab_stops(page)
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or internal(widget) or not widget.isVisible() or not widget.isEnabled():
            continue
        where, focus = (owner(widget), describe(widget)), widget.focusProxy() or widget
        if (focus.focusPolicy() & Qt.FocusPolicy.TabFocus) != Qt.FocusPolicy.TabFocus:
            gaps.add((*where, NO_TAB))
        elif focus not in stops:
            gaps.add((*where, NOT_REACHED))
        if not name_of(widget):
            gaps.add((*where, NO_NAME))
        if (isinstance(widget, QAbstractItemView) and widget.tabKeyNavigation()) or (
                isinstance(widget, QTextEdit | QPlainTextEdit) and not widget.isReadOnly()
                and not widget.tabChangesFocus()):
            gaps.add((*where, KEEPS_TAB))
    return gaps


def tab_gaps(bar: QTabBar) -> set[tuple[str, str, str]]:
    """The tabs of `bar` with no mnemonic."""
    return {(owner(bar), f"tab {bar.tabText(i)!r}", NO_MNEMONIC) for i in range(bar.count())
            if not re.search(r"&[^&]", bar.tabText(i))}


def every_page(qtbot, window: MainWindow):  # noqa: ANN001, ANN201
    """Show each tab of the window and each tab inside one; yield each as it shows."""
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        yield window.tabs.currentWidget()
        for inner in window.tabs.currentWidget().findChildren(QTabWidget):
            for page in range(inner.count()):
                inner.setCurrentIndex(page)
                qtbot.wait(20)
                yield inner.currentWidget()


@pytest.fixture()
def window(qtbot, desk_config):
    shown = MainWindow(desk_config)
    qtbot.addWidget(shown)
    shown.show()
    for view in (shown.calls, shown.calendar, shown.dashboard):
        view.refresh().result(10)
    qtbot.waitUntil(lambda: shown.calendar.data is not None)
    yield shown
    shown.close()


def test_every_control_on_every_tab_is_reached_by_tab_and_named(qtbot, window):
    gaps = set()
    for page in every_page(qtbot, window):
        gaps |= control_gaps(page) | {gap for bar in page.findChildren(QTabBar) for gap in tab_gaps(bar)}
    assert gaps - KNOWN == set(), "new gaps"
    assert KNOWN - gaps == set(), "closed gaps: drop them from KNOWN"


def test_each_tab_has_a_mnemonic_and_a_view_menu_entry_with_ctrl_n(qtbot, window):
    assert tab_gaps(window.tabs.tabBar()) == set()
    [view] = [action.menu() for action in window.menuBar().actions() if action.text() == "&View"]
    shortcuts = {action.shortcut().toString(): action for action in view.actions()}
    assert shortcuts["F5"].text() == "&Refresh"
    for index in reversed(range(window.tabs.count())):
        entry = shortcuts[QKeySequence(f"Ctrl+{index + 1}").toString()]
        assert entry.text() == window.tabs.tabText(index).replace("&", "")
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + index), Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == index
    with qtbot.waitSignal(shortcuts["F5"].triggered, timeout=1000):
        qtbot.keyClick(window.tabs.currentWidget(), Qt.Key.Key_F5)


def test_the_dialogs_are_reached_by_tab_and_named(qtbot, window, desk_config, tmp_path):
    calendar = window.calendar
    provider, service = calendar.data.choices.providers[0], calendar.data.choices.services[0]
    starts = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)
    entry = Entry(Appointment(1, 1, provider.id, service.id, starts, starts + timedelta(minutes=30), "booked",
                              "front_desk", 1), "Maria Lopez", service.name)
    wizard = SetupWizard(desk_config, tmp_path / "appliance.toml")
    dialogs = [calendar.booking_dialog(), MoveDialog(entry, calendar.data.choices, ZoneInfo("America/Chicago")),
               TalkDialog([sys.executable, "-c", "pass"]), wizard]
    gaps = set()
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.wait(20)
        gaps |= control_gaps(dialog)
    for page in wizard.pageIds():
        wizard.setStartId(page)
        wizard.restart()
        qtbot.wait(20)
        gaps |= control_gaps(wizard.currentPage())
    assert gaps == set()
