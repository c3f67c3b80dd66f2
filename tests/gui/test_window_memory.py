"""The window opens as the user left it: size, tab, column widths and order, splitters; a missing
or broken settings file gives the defaults."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget

from gui.call_log_view import CALLER, OUTCOME, STARTED
from gui.window import MainWindow
from gui.window_memory import DEFAULT_SIZE, header_key, splitter_key, user_settings

UNNAMED: dict[str, list[str]] = {}  # tables and splitters a change leaves unnamed for later (none now)


def opened(qtbot, config) -> MainWindow:  # noqa: ANN001
    window = MainWindow(config)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_settings_are_this_users_own_file(remembered):
    assert user_settings().fileName() == str(remembered / "appliance" / "front-desk.ini")


def test_the_window_opens_with_the_size_tab_columns_and_splitter_it_was_left_with(qtbot, desk_config):
    window = opened(qtbot, desk_config)
    assert window.size() == DEFAULT_SIZE and window.tabs.currentIndex() == 0
    window.resize(1000, 620)
    window.tabs.setCurrentWidget(window.calls)
    header = window.calls.table.horizontalHeader()
    header.resizeSection(STARTED, 260)
    header.moveSection(header.visualIndex(OUTCOME), 0)
    splitter = window.calls.findChild(QSplitter, "call_log_splitter")
    splitter.setSizes([300, 680])
    sizes = splitter.sizes()
    window.close()

    again = opened(qtbot, desk_config)
    assert again.size() == QSize(1000, 620) and again.tabs.currentWidget() is again.calls
    header = again.calls.table.horizontalHeader()
    assert header.sectionSize(STARTED) == 260 and header.visualIndex(OUTCOME) == 0
    assert header.sectionResizeMode(CALLER) == QHeaderView.ResizeMode.Stretch  # the view's own, kept
    assert again.calls.findChild(QSplitter, "call_log_splitter").sizes() == sizes
    again.close()


@pytest.mark.parametrize("content", [b"\x00\xff\xfe garbage [[[\n=\n", b"[window]\ngeometry=12\nstate=@ByteArray(x)\n"
                                     b"tab=the third\n[columns]\ncall_log_table=@ByteArray(\\0\\0\\0\\xff)\n"])
def test_a_broken_settings_file_gives_the_defaults(qtbot, desk_config, remembered, content):
    path = remembered / "appliance" / "front-desk.ini"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    window = opened(qtbot, desk_config)
    assert window.size() == DEFAULT_SIZE and window.tabs.currentIndex() == 0
    started = window.calls.table.horizontalHeader().sectionSize(STARTED)
    window.close()  # and writes a good file over it
    again = opened(qtbot, desk_config)
    assert again.size() == DEFAULT_SIZE and again.calls.table.horizontalHeader().sectionSize(STARTED) == started
    again.close()


def owner(widget: QWidget) -> str:
    """The gui module whose widget holds `widget`."""
    while not type(widget).__module__.startswith("gui."):
        widget = widget.parentWidget()
    return type(widget).__module__


def test_every_column_header_the_user_sizes_and_every_splitter_is_kept_under_a_name_of_its_own(qtbot, desk_config):
    window = opened(qtbot, desk_config)
    sized = [header for header in window.tabs.findChildren(QHeaderView) if header.orientation() ==
             Qt.Orientation.Horizontal and (header.sectionsMovable() or QHeaderView.ResizeMode.Interactive in
                                            [header.sectionResizeMode(i) for i in range(header.count())])]
    kept = [(header_key(header), header) for header in sized]
    kept += [(splitter_key(splitter), splitter) for splitter in window.tabs.findChildren(QSplitter)]
    unnamed: dict[str, list[str]] = {}
    for key, widget in kept:
        if not key:
            unnamed.setdefault(owner(widget), []).append(type(widget).__name__)
    assert unnamed == UNNAMED
    names = [key for key, _ in kept if key]
    assert len(names) == len(set(names)) and {"columns/call_log_table", "columns/messages_table",
                                              "splitters/call_log_splitter"} <= set(names)
    window.close()
