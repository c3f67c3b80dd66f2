"""A test call from the front desk: `appliance talk` runs in its own process (the window never
loads an engine), its transcript shows as it comes, and Stop ends the call."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.style import ERROR, PLAIN, show_tone

APPLIANCE = [sys.executable, "-m", "appliance"]  # the same Python, so the same installation
KILL_AFTER_MS = 5000  # a call that has not closed its record by then is killed
ERROR_LINE = re.compile(r"^error: (?P<text>.*?)(?: \[(?P<code>[\w.]+)\])?$")


def talk_command(config_path: Path | None, book: bool, appliance: list[str] = APPLIANCE) -> list[str]:
    """The `appliance talk` command line for the window's settings file."""
    config = ["--config", str(config_path)] if config_path is not None and config_path.exists() else []
    return [*appliance, *config, "talk", *(["--book"] if book else [])]


def error_text(line: str) -> str | None:
    """The message of an `appliance` error line ("error: ... [code]"), without its code."""
    found = ERROR_LINE.match(line.strip())
    if found is None:
        return None
    text = found["text"]
    return text[:1].upper() + text[1:]


class TalkDialog(QDialog):
    """Runs one `command` (an `appliance talk` line) and shows its output."""

    def __init__(self, command: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Talk to the agent")
        self.resize(640, 420)
        self.command = command
        self.problem = ""  # the error the command reported, if any
        self.output = QPlainTextEdit(readOnly=True, accessibleName="What the test call says")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.stop_button = QPushButton("&Stop")
        self.close_button = QPushButton("&Close")
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.output, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.MergedChannels)  # errors in order with the rest
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._error)
        self._partial = ""

    @property
    def running(self) -> bool:
        """The test call's process is alive."""
        return self.process.state() != QProcess.NotRunning

    def start(self) -> None:
        """Start the test call."""
        self._say("Starting the agent: loading its models takes a few seconds...")
        self.stop_button.setEnabled(True)
        self.process.start(self.command[0], self.command[1:])

    def stop(self) -> None:
        """End the test call (the agent hangs up and the call log is closed), killing it if it lingers."""
        if not self.running:
            return
        self._say("Ending the call...")
        self.process.terminate()
        QTimer.singleShot(KILL_AFTER_MS, self.process.kill)

    def end_now(self) -> None:
        """End the test call and wait for it (the window is closing), killing it if it lingers."""
        if self.running:
            self.process.terminate()
            if not self.process.waitForFinished(KILL_AFTER_MS):
                self.process.kill()
                self.process.waitForFinished(1000)

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Closing the dialog ends the call."""
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        """Escape ends the call too."""
        self.stop()
        super().reject()

    def _read(self) -> None:
        text = self._partial + bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        *lines, self._partial = text.split("\n")
        for line in lines:
            self.output.appendPlainText(line)
            problem = error_text(line)
            if problem is not None:
                self.problem = problem
                self._say(problem, error=True)

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self.stop_button.setEnabled(False)
        if self._partial:
            self.output.appendPlainText(self._partial)
            self._partial = ""
        if self.problem:
            return
        if code == 0 or status == QProcess.CrashExit:  # CrashExit: stopped here by a signal
            self._say("The test call has ended.")
        else:
            self._say(f"The test call failed (exit code {code}); its output is above.", error=True)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.FailedToStart:
            self.stop_button.setEnabled(False)
            self._say(f"The test call could not start: {self.process.errorString()}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        show_tone(self.status, ERROR if error else PLAIN)
