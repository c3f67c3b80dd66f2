"""Readable at 125% and 150% scaling: on a 1920x1080 screen the window opens on the screen, and
at that size no tab cuts a label, a button or a tab short (a label may wrap instead), nor the
status bar. Qt takes the scale when it starts, so each scale runs the check in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTabBar,
    QTabWidget,
    QWidget,
)

from appliance.config import PROJECT_ROOT
from gui.window import MainWindow
from gui.window_memory import DEFAULT_SIZE

SCALES = ("1.25", "1.5")


def describe(widget: QWidget) -> str:
    """A widget as a failure names it."""
    text = widget.text() if isinstance(widget, QLabel | QAbstractButton) else ""
    return f"{type(widget).__name__} {widget.objectName() or text[:60]!r}"


def clipped(widget: QWidget) -> bool:
    """Whether a parent cuts part of `widget` off (a scroll area's view does not: it scrolls)."""
    rect = widget.rect()
    while not widget.isWindow():
        rect, widget = rect.translated(widget.pos()), widget.parentWidget()
        if widget.objectName() == "qt_scrollarea_viewport":
            return False
        if not widget.rect().contains(rect):
            return True
    return False


def squeezed(widget: QWidget) -> bool:
    """Whether the layout gave `widget` less than its minimum size (it does so when the window is
    smaller than its contents' minimum); the parts Qt builds widgets of are sized by them."""
    if isinstance(widget, QHeaderView) or widget.objectName().startswith("qt_") or \
            isinstance(widget.parentWidget(), QTabBar | QAbstractSpinBox | QComboBox | QLineEdit):
        return False
    hint, policy, ignored = widget.minimumSizeHint(), widget.sizePolicy(), QSizePolicy.Policy.Ignored
    least_width = widget.minimumWidth() or hint.width()  # what layouts keep: a minimum set, else the hint
    least_height = widget.minimumHeight() or hint.height()
    return ((policy.horizontalPolicy() != ignored and widget.width() < least_width) or
            (policy.verticalPolicy() != ignored and widget.height() < least_height))


def cut_off(widgets: list[QWidget], bars: list[QTabBar]) -> list[str]:
    """The visible labels and buttons narrower than they need (a wrapped label: lower than its
    lines need) or not wholly inside their parents, the widgets squeezed below their minimum, and
    the tabs that do not fit their bar."""
    problems = [f"{describe(widget)}: {widget.width()}x{widget.height()}, its least is "
                f"{widget.minimumSizeHint().width()}x{widget.minimumSizeHint().height()}"
                for widget in widgets if widget.isVisible() and squeezed(widget)]
    for widget in widgets:
        if not isinstance(widget, QLabel | QAbstractButton) or not widget.isVisible() or not widget.text():
            continue
        if clipped(widget):
            problems.append(f"{describe(widget)}: not wholly inside the window")
        elif isinstance(widget, QLabel) and widget.wordWrap():
            if widget.height() < widget.heightForWidth(widget.width()):
                problems.append(f"{describe(widget)}: {widget.height()} high, its lines need "
                                f"{widget.heightForWidth(widget.width())}")
        elif widget.width() < widget.sizeHint().width():
            problems.append(f"{describe(widget)}: {widget.width()} wide, needs {widget.sizeHint().width()}")
    for bar in bars:
        for index in range(bar.count() if bar.isVisible() else 0):
            rect, hint = bar.tabRect(index), bar.tabSizeHint(index)
            if rect.width() < hint.width() or rect.right() >= bar.width():
                problems.append(f"tab {bar.tabText(index)!r}: {rect.width()} wide at {rect.left()} in a bar "
                                f"{bar.width()} wide, needs {hint.width()}")
    return problems


def shown_parts(window: MainWindow) -> tuple[list[QWidget], list[QTabBar]]:
    """The widgets and tab bars of the tab shown, the status bar's and the window's tabs."""
    page = window.tabs.currentWidget()
    return [page, *page.findChildren(QWidget), *window.statusBar().findChildren(QLabel)], \
        [window.tabs.tabBar(), *page.findChildren(QTabBar)]


def test_no_tab_cuts_anything_off_at_the_size_the_window_opens(qtbot, qapp, desk_config):
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
    assert qapp.primaryScreen().devicePixelRatio() == scale
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    for view in (window.calls, window.calendar, window.dashboard):
        view.refresh().result(10)
    qtbot.waitUntil(lambda: window.calendar.data is not None and window.dashboard.day_label.text() != "")
    problems = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        inner = window.tabs.currentWidget().findChildren(QTabWidget)
        for tabs, page in [(None, None), *((tabs, page) for tabs in inner for page in range(tabs.count()))]:
            if tabs is not None:
                tabs.setCurrentIndex(page)
            qtbot.wait(30)  # the layouts settle
            where = window.tabs.tabText(index) + (f" / {tabs.tabText(page)}" if tabs is not None else "")
            problems += [f"{where}: {problem}" for problem in cut_off(*shown_parts(window))]
    assert not problems, f"cut off at {scale:.0%}:\n" + "\n".join(problems)
    assert window.size() == DEFAULT_SIZE
    assert window.screen().availableGeometry().contains(QRect(window.pos(), window.size()))
    window.close()


@pytest.mark.skipif("QT_SCALE_FACTOR" in os.environ, reason="this process already runs at its own scale")
@pytest.mark.parametrize("scale", SCALES)
def test_no_tab_cuts_anything_off_when_the_desktop_is_scaled(scale):
    check = f"{__file__}::test_no_tab_cuts_anything_off_at_the_size_the_window_opens"
    result = subprocess.run([sys.executable, "-m", "pytest", check, "-q", "-p", "no:cacheprovider"],
                            env={**os.environ, "QT_SCALE_FACTOR": scale}, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
