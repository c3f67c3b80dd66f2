"""The dashboard tab on a real store: today's counters and the week's reply-latency histogram."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtGui import QPalette

from appliance.crm.db import StoreError, open_store
from gui import dashboard_view
from gui.dashboard_view import DashboardView, latency_histogram, percentile
from tests.gui.call_data import Calls, agent, caller

TODAY_LATENCIES = [120, 300, 480, 760, 900, 1200, 1600, 2500, 3200, 5000]


def test_histogram_bins_are_half_open_and_the_last_is_open_ended():
    histogram = latency_histogram([0, 249.9, 250, 3000, -5, 10000, 999, 1000])
    assert histogram.labels() == ["0-250", "250-500", "500-750", "750-1000", "1000-1500", "1500-2000",
                                  "2000-3000", "3000+"]
    assert histogram.counts == (3, 1, 0, 1, 1, 0, 0, 2)
    assert histogram.total == 8


def test_percentiles_interpolate_between_neighbours():
    assert percentile([1, 2, 3, 4], 0.5) == pytest.approx(2.5)
    assert percentile([1, 2, 3, 4], 0.95) == pytest.approx(3.85)
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.5) is None
    empty = latency_histogram([])
    assert (empty.total, empty.p50, empty.p95) == (0, None, None)
    unsorted = latency_histogram([900, 100, 500])
    assert (unsorted.p50, unsorted.p95) == (500, pytest.approx(860))


@pytest.fixture()
def calls_around_midnight(desk_config):
    """Today (from local midnight): 7 calls with 10 timed replies; just before midnight: 4 calls with
    one reply; 8 days ago: one call whose reply is too old for the histogram."""
    db = open_store(desk_config.paths.data / "appliance.db")
    store = Calls(db)
    tz = ZoneInfo(desk_config.clinic.timezone)
    midnight = datetime.combine(datetime.now(tz).date(), time(0), tz)
    today = ["booked", "booked", "transferred", "message", "abandoned", "completed", "no_input"]
    for minute, outcome in enumerate(today):
        replies = [agent("...", ms) for ms in TODAY_LATENCIES[minute::len(today)]]
        store.add(f"+1555000{minute:04d}", outcome=outcome, started=midnight + timedelta(minutes=minute),
                  turns=[caller("hello", 0.9), *replies])
    for outcome in ("booked", "transferred", "message", "abandoned"):
        store.add("+15559990000", outcome=outcome, started=midnight - timedelta(minutes=1),
                  turns=[agent("...", 200)] if outcome == "booked" else ())
    store.add("+15559990001", outcome="booked", started=datetime.now(UTC) - timedelta(days=8),
              turns=[agent("...", 4000)])
    store.add("", "Front desk test", outcome="booked", started=midnight + timedelta(minutes=30),
              turns=[agent("...", 9000)], direction="test")  # the front desk trying the agent: not counted
    yield
    db.conn.close()


@pytest.fixture()
def view(qtbot, store_worker, desk_config):
    widget = DashboardView(store_worker, desk_config)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_counters_count_only_the_clinic_local_day(qtbot, view, calls_around_midnight):
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.counters["calls"].text() == "7")
    shown = {key: label.text() for key, label in view.counters.items()}
    assert shown == {"calls": "7", "booked": "2", "transferred": "1", "message": "1", "abandoned": "1"}
    assert view.day_label.text().startswith("Today, ")


def test_histogram_of_the_last_seven_days(qtbot, view, calls_around_midnight):
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.chart.histogram.total == 11)
    histogram = view.chart.histogram
    assert histogram.counts == (2, 2, 0, 2, 1, 1, 1, 2)  # 200 ms from yesterday in, 4000 ms 8 days ago out
    assert histogram.p50 == 900 and histogram.p95 == pytest.approx(4100)
    assert view.percentiles.text() == "Median (p50) 900 ms \u00b7 p95 4100 ms \u00b7 11 replies"
    assert view.chart.accessibleDescription() == view.chart.toolTip() == (
        "0-250 ms: 2, 250-500 ms: 2, 500-750 ms: 0, 750-1000 ms: 2, 1000-1500 ms: 1, 1500-2000 ms: 1, "
        "2000-3000 ms: 1, 3000+ ms: 2")  # what a screen reader says of the bars
    heights = [rect.height() for rect in view.chart.bar_rects()]
    assert heights[2] == 0 and heights[4] == pytest.approx(heights[0] / 2) and heights[0] == max(heights)
    image = view.chart.grab().toImage()
    bar_colour = view.chart.palette().color(QPalette.ColorRole.Highlight)
    full, empty = view.chart.bar_rects()[0], view.chart.bar_rects()[2]
    assert image.pixelColor(full.center().toPoint()) == bar_colour
    assert image.pixelColor(empty.center().toPoint().x(), int(full.center().y())) != bar_colour


def test_an_empty_store_shows_zeros_and_says_there_are_no_replies(qtbot, view):
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.counters["calls"].text() == "0")
    assert view.percentiles.text() == "No timed replies in the last 7 days."
    assert not view.chart.grab().isNull()


def test_store_failure_is_shown(qtbot, view, monkeypatch):
    def locked(*args):
        raise StoreError("the store is locked")
    monkeypatch.setattr(dashboard_view, "day_outcome_counts", locked)
    with pytest.raises(StoreError):
        view.refresh().result(10)
    qtbot.waitUntil(lambda: "the store is locked" in view.status.text())
