"""Set-up checks run off the GUI thread: a worker, and a button + progress bar + result panel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from appliance.config import Config
from appliance.setup import CheckResult, SettingsResult
from gui.style import ERROR, OK, PLAIN, show_tone

log = logging.getLogger(__name__)


class CheckRunner(QObject):
    """Runs one check at a time on a worker thread; its callback runs on the GUI thread."""

    _finished = Signal(object, object)  # callback, result

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="gui-setup")
        self._finished.connect(lambda callback, result: callback(result))

    def run(self, check: Callable[[], CheckResult], on_done: Callable[[CheckResult], None]) -> Future:
        """Queue `check`; `on_done(result)` follows on the GUI thread. Returns the future (tests wait on it)."""
        def work() -> CheckResult:
            try:
                result = check()
            except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in Qt
                log.exception("set-up check failed")
                result = CheckResult(False, f"the check failed: {exc}")
            self._finished.emit(on_done, result)
            return result
        return self._pool.submit(work)

    def close(self) -> None:
        """Drop queued checks; a running one finishes on its own."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class CheckPanel(QWidget):
    """A button that checks the settings as entered so far, then runs `check(config)` on the worker;
    a busy bar while it runs, then the result in words (the detail below, e.g. a transcript)."""

    def __init__(self, title: str, runner: CheckRunner, settings: Callable[[], SettingsResult],
                 check: Callable[[Config], CheckResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.check = check
        self.result: CheckResult | None = None
        self.button = QPushButton(title)
        self.button.clicked.connect(self.start)
        self.busy = QProgressBar(minimum=0, maximum=0, textVisible=False, visible=False)
        self.message, self.detail = QLabel(), QLabel()
        for label in (self.message, self.detail):
            label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.busy, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)

    def start(self) -> Future | None:
        """Check the settings entered; when they are valid, run the check on the worker."""
        settings = self.settings()
        if not settings.ok:
            self._show(settings)
            return None
        self.button.setEnabled(False)
        self.busy.show()
        self.message.setText("Checking...")
        show_tone(self.message, PLAIN)
        self.detail.clear()
        return self.runner.run(lambda: self.check(settings.config), self._show)

    def _show(self, result: CheckResult) -> None:
        self.result = result
        self.button.setEnabled(True)
        self.busy.hide()
        self.message.setText(result.message[:1].upper() + result.message[1:])
        show_tone(self.message, OK if result.ok else ERROR)
        self.detail.setText(result.detail)
