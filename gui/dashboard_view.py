"""The dashboard tab: today's calls by outcome and how fast the agent replied this week."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from appliance.config import Config
from appliance.crm.call_history import day_outcome_counts, reply_latencies
from appliance.crm.timeutil import now_utc
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, show_tone

LATENCY_EDGES_MS = (0, 250, 500, 750, 1000, 1500, 2000, 3000)  # bin starts; the last bin is open-ended
LATENCY_DAYS = 7
COUNTERS = (  # (key, caption, outcomes counted; None counts every call)
    ("calls", "Calls", None),
    ("booked", "Booked", ("booked",)),
    ("transferred", "Transferred", ("transferred",)),
    ("message", "Messages taken", ("message",)),
    ("abandoned", "Abandoned", ("abandoned",)),
)


def percentile(ordered: list[float], fraction: float) -> float | None:
    """The `fraction` quantile of sorted values, interpolated between neighbours; None when empty."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class LatencyHistogram:
    """Reply latencies counted per bin (`edges` are the bin starts), with the median and p95."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    p50: float | None
    p95: float | None

    @property
    def total(self) -> int:
        """How many latencies were counted."""
        return sum(self.counts)

    def labels(self) -> list[str]:
        """Each bin's range: '0-250', ..., '3000+'."""
        ends = [f"{int(a)}-{int(b)}" for a, b in zip(self.edges, self.edges[1:], strict=False)]
        return [*ends, f"{int(self.edges[-1])}+"]


def latency_histogram(values: Iterable[float], edges: tuple[float, ...] = LATENCY_EDGES_MS) -> LatencyHistogram:
    """Count `values` (ms) into bins [edge, next edge), the last open-ended (below the first edge
    counts in the first), and take their p50 and p95."""
    ordered = sorted(values)
    counts = [0] * len(edges)
    for value in ordered:
        counts[max(bisect_right(edges, value) - 1, 0)] += 1
    return LatencyHistogram(tuple(edges), tuple(counts), percentile(ordered, 0.5), percentile(ordered, 0.95))


@dataclass(frozen=True)
class DashboardData:
    """Today's calls per outcome and the week's reply latencies."""

    local_now: datetime  # when they were read, in clinic local time
    outcomes: dict[str, int]
    latency: LatencyHistogram

    def counter(self, outcomes: tuple[str, ...] | None) -> int:
        """Calls today with one of `outcomes` (all calls for None)."""
        return sum(n for outcome, n in self.outcomes.items() if outcomes is None or outcome in outcomes)


def read_dashboard(store: Store, now: datetime | None = None) -> DashboardData:
    """The dashboard's numbers as of `now` (worker thread)."""
    now = now or now_utc()
    local = now.astimezone(store.tz)
    return DashboardData(local, day_outcome_counts(store.db, local.date(), store.tz),
                         latency_histogram(reply_latencies(store.db, now - timedelta(days=LATENCY_DAYS))))


class LatencyHistogramChart(QWidget):
    """Bars of reply-latency counts per bin, each labelled with its count and range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram = latency_histogram([])
        self.setMinimumHeight(180)
        self.setAccessibleName("Reply latency histogram")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Wide enough for every bin's label."""
        return QSize(560, 240)

    def set_histogram(self, histogram: LatencyHistogram) -> None:
        """Draw `histogram`; its counts are the tooltip and, for screen readers, the description."""
        self.histogram = histogram
        counts = ", ".join(f"{label} ms: {n}" for label, n in zip(histogram.labels(), histogram.counts, strict=True))
        self.setToolTip(counts)
        self.setAccessibleDescription(counts)  # what the bars show, for a screen reader
        self.update()

    def bar_rects(self) -> list[QRectF]:
        """Where each bin's bar goes: heights in proportion to the counts, the largest full height."""
        line = self.fontMetrics().height()
        top, bottom = line + 6, self.height() - line - 6
        slot = self.width() / len(self.histogram.counts)
        tallest = max(self.histogram.counts) or 1
        return [QRectF(i * slot + slot * 0.15, bottom - (bottom - top) * n / tallest, slot * 0.7,
                       (bottom - top) * n / tallest) for i, n in enumerate(self.histogram.counts)]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Bars, their counts above and their ranges below."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette, line = self.palette(), self.fontMetrics().height()
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        if not self.histogram.total:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No timed replies yet.")
            return
        slot = self.width() / len(self.histogram.counts)
        for rect, count, label in zip(self.bar_rects(), self.histogram.counts, self.histogram.labels(), strict=True):
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
            column = QRectF(rect.center().x() - slot / 2, 0, slot, line)
            painter.drawText(column.translated(0, rect.top() - line - 2), Qt.AlignmentFlag.AlignCenter, str(count))
            painter.drawText(column.translated(0, self.height() - line - 2), Qt.AlignmentFlag.AlignCenter, label)


class DashboardView(QWidget):
    """Today's calls, bookings, transfers, messages and abandoned calls; the week's reply latency."""

    def __init__(self, store: StoreWorker, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.day_label = QLabel()
        self.counters: dict[str, QLabel] = {}
        tiles = QGridLayout()
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        for column, (key, caption, _) in enumerate(COUNTERS):
            number = QLabel("-", font=big, alignment=Qt.AlignmentFlag.AlignCenter)
            number.setAccessibleName(caption)
            self.counters[key] = number
            tiles.addWidget(number, 0, column)
            tiles.addWidget(QLabel(caption, alignment=Qt.AlignmentFlag.AlignCenter), 1, column)
        self.chart = LatencyHistogramChart()
        self.percentiles = QLabel()
        latency = QGroupBox(f"Reply latency, last {LATENCY_DAYS} days (ms from the caller's last word "
                            "to the agent's first sound)")
        latency_layout = QVBoxLayout(latency)
        latency_layout.addWidget(self.chart, 1)
        latency_layout.addWidget(self.percentiles)
        self.status = QLabel()
        show_tone(self.status, ERROR)
        layout = QVBoxLayout(self)
        layout.addWidget(self.day_label)
        layout.addLayout(tiles)
        layout.addWidget(latency, 1)
        layout.addWidget(self.status)

    def refresh(self) -> Future:
        """Re-count today's calls and the week's latencies (on the worker)."""
        return self.store.run(read_dashboard, self._show, self._on_error)

    def _show(self, data: DashboardData) -> None:
        self.status.clear()
        self.day_label.setText(f"Today, {data.local_now:%A %d %B %Y}")
        for key, _, outcomes in COUNTERS:
            self.counters[key].setText(str(data.counter(outcomes)))
        histogram = data.latency
        self.chart.set_histogram(histogram)
        if histogram.total:
            self.percentiles.setText(f"Median (p50) {histogram.p50:.0f} ms \u00b7 p95 {histogram.p95:.0f} ms "
                                     f"\u00b7 {histogram.total} replies")
        else:
            self.percentiles.setText(f"No timed replies in the last {LATENCY_DAYS} days.")

    def _on_error(self, exc: Exception) -> None:
        self.status.setText(f"Could not read the dashboard's numbers: {exc}")
