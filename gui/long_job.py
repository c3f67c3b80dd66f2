"""Long work off the window's thread (exports, imports, model copies): `LongJob` reports how far
it is and what it is doing, can be cancelled, and ends done, cancelled or failed; `JobPanel` shows
it with a progress bar, a line of words and a Cancel button, then the sentence saying how it ended.

Work that is cancelled keeps nothing: `report` raises `Cancelled`, and the work it interrupts
removes its partial file or rolls its transaction back as it would on any failure.

A job is a plain object, no Qt object: the worker thread only sets its fields, and the panel reads
them on the GUI thread (so nothing of Qt is touched, or freed, off the GUI thread)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from appliance.errors import ApplianceError, Cancelled
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, OK, PLAIN, WARNING, show_tone

log = logging.getLogger(__name__)
T = TypeVar("T")

DONE, CANCELLED, FAILED = "done", "cancelled", "failed"
SHOW_EVERY_MS = 50  # the panel shows the latest progress (or the end) this often while a job runs
BAR_STEPS = 1000  # the bar counts in thousandths: byte counts of large models overflow its int range
MB = 1_000_000


def reason(exc: BaseException) -> str:
    """Why work failed, as the front desk reads it: the appliance's message without its code,
    a file error's own words ('permission denied')."""
    if isinstance(exc, ApplianceError) and exc.args:
        text = str(exc.args[0])
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror[:1].lower() + exc.strerror[1:]
    else:
        text = str(exc) or type(exc).__name__
    return text.rstrip(".")


def sentence(text: str) -> str:
    """`text` with a capital first letter and one full stop."""
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


@dataclass(frozen=True)
class JobEnd:
    """How a job ended: DONE, CANCELLED or FAILED, the sentence shown, its tone, and what the
    work returned (None unless done)."""

    state: str
    text: str
    tone: str
    value: Any = None


class LongJob:
    """One piece of long work. `run(work)` calls `work(job)` on a worker thread; the work calls
    `report(done, total, what)` as it goes, which raises `Cancelled` once `cancel()` was asked.
    `latest()` is the last report and `end` how it ended (None while it runs), from any thread.

    The sentences: `done(value)` says what was done (a string, or (string, tone) for a success
    with a reservation); `failed` starts the sentence for a failure ("Could not save x"), the
    reason follows; `cancelled` is said after a cancel."""

    def __init__(self, title: str, done: Callable[[Any], str | tuple[str, str]], failed: str, cancelled: str) -> None:
        self.title = title
        self._done, self._failed, self._cancelled = done, failed, cancelled
        self._stop = threading.Event()
        self._latest: tuple[int, int, str] | None = None  # each replaced whole: a reader never sees half
        self.end: JobEnd | None = None

    @property
    def cancel_asked(self) -> bool:
        """Whether `cancel()` was called."""
        return self._stop.is_set()

    def cancel(self) -> None:
        """Ask the work to stop at its next report (any thread)."""
        self._stop.set()

    def report(self, done: int, total: int, what: str) -> None:
        """Progress from the work (its thread): `done` of `total` (0: not known), and what it is
        doing. Raises `Cancelled` once a cancel was asked."""
        if self._stop.is_set():
            raise Cancelled(f"{self.title} cancelled")
        self._latest = (done, total, what)

    def latest(self) -> tuple[int, int, str] | None:
        """The last report as (done, total, what); None before the first."""
        return self._latest

    def byte_progress(self, label: str, total: int) -> Callable[[int], None]:
        """A progress factory for the models folder (`ModelStore.add`): counts the bytes of the
        step `label` towards `total`."""
        done = 0
        self.report(0, total, f"{label}: 0 of {total / MB:.1f} MB")

        def add(n: int) -> None:
            nonlocal done
            done += n
            self.report(done, total, f"{label}: {done / MB:.1f} of {total / MB:.1f} MB")
        return add

    def run(self, work: Callable[[LongJob], T]) -> JobEnd:
        """Run `work(self)` here (a worker thread) and set `end`; never raises."""
        try:
            value = work(self)
            said = self._done(value)
            text, tone = said if isinstance(said, tuple) else (said, OK)
            end = JobEnd(DONE, text, tone, value)
        except Cancelled:
            end = JobEnd(CANCELLED, self._cancelled, WARNING)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in Qt
            log.warning("%s failed: %s", self.title, type(exc).__name__)
            end = JobEnd(FAILED, sentence(f"{self._failed}: {reason(exc)}"), ERROR)
        self.end = end
        return end


def run_on_store(worker: StoreWorker, job: LongJob, work: Callable[[Store, LongJob], Any]) -> Future:
    """Run `work(store, job)` on the store's worker thread (after the store work queued before it)."""
    return worker.run(lambda store: job.run(partial(work, store)))


def run_on_thread(job: LongJob, work: Callable[[LongJob], Any]) -> Future:
    """Run `work(job)` on a thread of its own: work that needs no store (a model copy) leaves
    the store's thread free for the window's reads."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="gui-job")
    future = pool.submit(job.run, work)
    pool.shutdown(wait=False)  # the thread ends with the job
    return future


class JobPanel(QWidget):
    """A long job as the front desk sees it: what it is doing, a progress bar and a Cancel
    button (Esc while the panel has focus cancels too); once it ends, the sentence saying how.
    Hidden until the first job; one job at a time (`busy`). `busy_changed(bool)` lets the
    view disable what would start another; `finished(JobEnd)` follows each job's end."""

    busy_changed = Signal(bool)
    finished = Signal(object)

    def __init__(self, cancel_text: str = "&Cancel", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: LongJob | None = None
        self.end: JobEnd | None = None
        self._focus_back: QWidget | None = None
        self.words = QLabel(wordWrap=True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar(textVisible=True)
        self.cancel_button = QPushButton(cancel_text)
        self.cancel_button.clicked.connect(self.cancel)
        self._shown: tuple[int, int, str] | None = None
        self._timer = QTimer(self, interval=SHOW_EVERY_MS, timeout=self._poll)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.words)
        layout.addLayout(row)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel)  # a job left running would hold the window open
        self.hide()

    @property
    def busy(self) -> bool:
        """Whether a job is running."""
        return self.job is not None and self.end is None

    def watch(self, job: LongJob, focus_back: QWidget | None = None) -> LongJob:
        """Show `job` from now on (start it right after). Focus goes to Cancel until it ends, then
        back to `focus_back` (default: the widget of this window that had it)."""
        if self.busy:
            raise RuntimeError("a job is still running")
        self.job, self.end, self._shown = job, None, None
        name = job.title[:1].lower() + job.title[1:]
        self.cancel_button.setAccessibleName(f"Cancel {name}")
        self.bar.setAccessibleName(f"Progress of {name}")
        self.bar.setRange(0, 0)  # busy until the first report
        self.bar.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._say(f"{job.title}...", PLAIN)
        self.show()
        had_focus = QApplication.focusWidget()
        self._focus_back = focus_back or (had_focus if had_focus and had_focus.window() is self.window() else None)
        self.busy_changed.emit(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._timer.start()
        return job

    def cancel(self) -> None:
        """Ask the running job to stop; it ends 'cancelled' once its work has undone itself."""
        if not self.busy:
            return
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self._say(f"Cancelling {self.job.title[:1].lower()}{self.job.title[1:]}...", PLAIN)

    def _poll(self) -> None:
        if not self.busy:
            return
        if self.job.end is not None:
            self._ended(self.job.end)
            return
        latest = None if self.job.cancel_asked else self.job.latest()
        if latest is None or latest == self._shown:
            return
        self._shown = done, total, what = latest
        if total > 0:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(min(BAR_STEPS, done * BAR_STEPS // total))
        else:
            self.bar.setRange(0, 0)
        self._say(f"{self.job.title}: {what}" if what else f"{self.job.title}...", PLAIN)

    def _ended(self, end: JobEnd) -> None:
        self.end = end
        self._timer.stop()
        self._say(end.text, end.tone)
        self.busy_changed.emit(False)
        back = self._focus_back
        if self.window().focusWidget() is self.cancel_button and back is not None and shiboken6.isValid(back) \
                and back.isVisible() and back.isEnabled():
            back.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus_back = None
        self.bar.hide()
        self.cancel_button.hide()
        self.finished.emit(end)

    def _say(self, text: str, tone: str) -> None:
        self.words.setText(text)
        show_tone(self.words, tone)
