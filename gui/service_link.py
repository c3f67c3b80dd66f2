"""The window's connection to the service: the control client's messages as Qt signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from appliance.control.client import ControlClient


class ServiceLink(QObject):
    """Signals arrive on the GUI thread (queued across threads by Qt)."""

    connection = Signal(bool, str)  # up, detail when down
    message = Signal(dict)  # a snapshot or an event from the service
    command_done = Signal(str, str, bool, object)  # cmd, call_id, ok, result or error text
    status = Signal(dict)  # the service's answer to `status`, asked by `ask_status`

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = ControlClient(path, on_message=self.message.emit, on_connected=self.connection.emit)

    def start(self) -> None:
        """Connect in the background (and keep retrying)."""
        self.client.start()

    def stop(self) -> None:
        """Disconnect."""
        self.client.stop()

    @property
    def connected(self) -> bool:
        """Whether the service is reachable right now."""
        return self.client.connected

    def command(self, cmd: str, call_id: str = "", **args: Any) -> None:
        """Send a command; the outcome arrives as `command_done`, never blocking the window."""
        future = self.client.request(cmd, call_id=call_id, **args)

        def done(f) -> None:  # noqa: ANN001 - runs on the client's thread
            exc = f.exception()
            self.command_done.emit(cmd, call_id, exc is None, f.result() if exc is None else str(exc))
        future.add_done_callback(done)

    def ask_status(self) -> None:
        """Ask the service's status; the answer arrives as `status` (no answer: nothing, the
        connection signal says why)."""
        def done(f) -> None:  # noqa: ANN001 - runs on the client's thread
            if f.exception() is None and isinstance(f.result(), dict):
                self.status.emit(f.result())
        self.client.request("status").add_done_callback(done)
