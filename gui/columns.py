"""Columns the user sizes: a table opens with each column as wide as its title and a typical cell,
one column takes the room left, and the window remembers the widths and order the user gives them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import QHeaderView, QStyle, QTableView


def size_columns(table: QTableView, samples: Mapping[int, Sequence[str]], stretch: int) -> None:
    """Make `table`'s columns resizable and movable, each wide enough for its title and the widest
    of its `samples` texts; column `stretch` fills the width left over."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionsMovable(True)
    metrics = table.fontMetrics()
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1) + 4
    for column in range(header.count()):
        table.resizeColumnToContents(column)  # the title (and the sort arrow) while no rows are shown
        widest = max((metrics.horizontalAdvance(text) for text in samples.get(column, ())), default=0)
        header.resizeSection(column, max(header.sectionSize(column), widest + margin))
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
