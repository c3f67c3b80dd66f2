"""Holding long work where a test wants it: the work's progress reports are recorded, and the work
waits at a chosen report until the test releases it (so a test can press Cancel mid-way without
any sleep in the product)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from gui.long_job import LongJob

Report = tuple[int, int, str]


class Hold:
    """The reports seen so far (done, total, what), `reached` once the work waits, `release()` to go on."""

    def __init__(self, when: Callable[[int, int, str], bool] | None) -> None:
        self.when = when
        self.reports: list[Report] = []
        self.reached = threading.Event()
        self._go = threading.Event()

    def release(self) -> None:
        """Let the held work go on."""
        self._go.set()

    def steps(self, prefix: str) -> list[Report]:
        """The reports whose words start with `prefix`."""
        return [r for r in self.reports if r[2].startswith(prefix)]


def hold_jobs(monkeypatch, when: Callable[[int, int, str], bool] | None = None) -> Hold:  # noqa: ANN001
    """Record every `LongJob.report`; the first one `when(done, total, what)` accepts waits for
    `release()` (at most 10 s) before it reports, and so before it sees a cancel."""
    hold = Hold(when)
    original = LongJob.report

    def report(job: LongJob, done: int, total: int, what: str) -> None:
        hold.reports.append((done, total, what))
        if hold.when is not None and not hold.reached.is_set() and hold.when(done, total, what):
            hold.reached.set()
            hold._go.wait(10)
        original(job, done, total, what)
    monkeypatch.setattr(LongJob, "report", report)
    return hold


def moved(reports: list[Report]) -> bool:
    """Whether the reports of one step started below their total, never went back and reached it."""
    dones = [done for done, _, _ in reports]
    return bool(reports) and dones[0] < reports[0][1] and dones == sorted(dones) and dones[-1] == reports[-1][1]


def press_cancel(qtbot, panel, press: str) -> None:  # noqa: ANN001
    """Cancel `panel`'s job as the receptionist would: its Cancel button ("button") or Esc."""
    from PySide6.QtCore import Qt

    from tests.gui.widgets import click

    if press == "button":
        click(qtbot, panel.cancel_button)
    else:
        qtbot.keyClick(panel.cancel_button, Qt.Key.Key_Escape)
