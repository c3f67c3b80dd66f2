"""The long-job panel on its own: progress and words while work runs off the GUI thread, Cancel
(button and Esc) and the sentence for done, cancelled and failed; focus moves to Cancel and back."""

from __future__ import annotations

import errno
import threading

import pytest
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from appliance.errors import Cancelled, ModelKindError
from gui.long_job import CANCELLED, DONE, FAILED, JobPanel, LongJob, reason, run_on_thread, sentence
from gui.style import ERROR, OK, WARNING, tone_of
from tests.gui.jobs import press_cancel

GB = 1_000_000_000


class Host(QWidget):
    """A view with a Start button and the panel, Start off while a job runs (as the views do)."""

    def __init__(self) -> None:
        super().__init__()
        self.start = QPushButton("&Start")
        self.panel = JobPanel("Ca&ncel the test")
        self.panel.busy_changed.connect(lambda busy: self.start.setEnabled(not busy))
        layout = QVBoxLayout(self)
        layout.addWidget(self.start)
        layout.addWidget(self.panel)


@pytest.fixture()
def host(qtbot):
    widget = Host()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.start.setFocus()
    return widget


def job(failed: str = "Could not copy the test file") -> LongJob:
    return LongJob("Copying a test file", lambda value: f"Copied {value} bytes.", failed,
                   "Copy cancelled: nothing was kept.")


def stepped_work(gate: threading.Event, total: int = 4 * GB):
    """Work that reports a quarter, waits at `gate`, then reports the rest step by step."""
    def work(job: LongJob) -> int:
        job.report(0, total, "starting")
        job.report(total // 4, total, "a quarter")
        gate.wait(10)
        for done in range(total // 4, total + 1, total // 4):
            job.report(done, total, f"{done // GB} GB")
        return total
    return work


def test_progress_words_and_done(qtbot, host):
    gate = threading.Event()
    assert host.panel.isHidden(), "hidden until the first job"
    future = run_on_thread(host.panel.watch(job()), stepped_work(gate))
    assert host.panel.isVisible() and host.panel.busy and not host.start.isEnabled()
    assert host.panel.cancel_button.hasFocus(), "focus goes to Cancel"
    assert host.panel.cancel_button.accessibleName() == "Cancel copying a test file"
    qtbot.waitUntil(lambda: host.panel.words.text() == "Copying a test file: a quarter")
    assert host.panel.bar.value() == 250, "four gigabytes do not overflow the bar"
    with qtbot.waitSignal(host.panel.finished, timeout=5000) as finished:
        gate.set()
    end = future.result(5)
    assert finished.args == [end] and host.panel.end == end and not host.panel.busy
    assert (end.state, end.value, end.tone) == (DONE, 4 * GB, OK)
    assert host.panel.words.text() == f"Copied {4 * GB} bytes." and tone_of(host.panel.words) == OK
    assert host.panel.cancel_button.isHidden() and host.panel.bar.isHidden()
    assert host.start.isEnabled() and host.start.hasFocus(), "focus back where it was"


@pytest.mark.parametrize("press", ["button", "escape"])
def test_cancel_by_button_or_escape(qtbot, host, press):
    gate = threading.Event()
    future = run_on_thread(host.panel.watch(job()), stepped_work(gate))
    qtbot.waitUntil(lambda: host.panel.words.text() == "Copying a test file: a quarter")
    press_cancel(qtbot, host.panel, press)
    assert host.panel.words.text() == "Cancelling copying a test file..."
    assert not host.panel.cancel_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: not host.panel.busy)
    assert future.result(5).state == CANCELLED
    assert host.panel.words.text() == "Copy cancelled: nothing was kept." and tone_of(host.panel.words) == WARNING
    assert host.start.isEnabled()


@pytest.mark.parametrize("error, words", [
    (PermissionError(errno.EACCES, "Permission denied", "/srv/x.partial"),
     "Could not copy the test file: permission denied."),
    (ModelKindError("x.txt is not a model this appliance can use"),
     "Could not copy the test file: x.txt is not a model this appliance can use."),
    (RuntimeError(), "Could not copy the test file: RuntimeError."),
])
def test_a_failure_is_one_clear_sentence(qtbot, host, error, words):
    def work(job: LongJob) -> None:
        job.report(0, 0, "reading")
        raise error
    future = run_on_thread(host.panel.watch(job()), work)
    qtbot.waitUntil(lambda: not host.panel.busy)
    assert future.result(5).state == FAILED
    assert host.panel.words.text() == words and tone_of(host.panel.words) == ERROR


def test_one_job_at_a_time_and_a_late_cancel_changes_nothing(qtbot, host):
    gate = threading.Event()
    run_on_thread(host.panel.watch(job()), stepped_work(gate))
    with pytest.raises(RuntimeError, match="still running"):
        host.panel.watch(job())
    gate.set()
    qtbot.waitUntil(lambda: not host.panel.busy)
    host.panel.cancel()  # nothing runs: nothing to cancel
    assert host.panel.end.state == DONE
    run_on_thread(host.panel.watch(job()), stepped_work(gate))
    qtbot.waitUntil(lambda: not host.panel.busy)
    assert host.panel.end.state == DONE, "the panel takes the next job once one has ended"


def test_report_raises_once_cancel_was_asked():
    work = job()
    work.report(1, 2, "half")
    work.cancel()
    with pytest.raises(Cancelled):
        work.report(2, 2, "all")
    with pytest.raises(Cancelled):
        work.byte_progress("copy x", 10)


def test_reasons_and_sentences():
    assert reason(FileNotFoundError(errno.ENOENT, "No such file or directory", "/a")) == "no such file or directory"
    assert reason(Cancelled("stopped.")) == "stopped"
    assert sentence("could not save: disk full.") == "Could not save: disk full."
