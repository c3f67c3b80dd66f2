"""Live calls: who is on the line, the call card of what the agent has gathered, the transcript
as it happens, one click (or key) to take the call over, a call that needs a person brought to
the receptionist's eye, and a test call with the agent through the headset."""

from __future__ import annotations

import html
import statistics
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.control.live import FAILED_TRANSFER, LiveCall, LiveCalls
from gui.call_card import CallCard
from gui.service_link import ServiceLink
from gui.style import ERROR, PLAIN, colour, show_tone
from gui.talk_dialog import APPLIANCE, TalkDialog, talk_command

CALL_COMMANDS = {  # the commands on a live call, and what is said while one is on its way
    "transfer": "Transferring...", "take_over": "Taking the call over...", "hangup": "Hanging up..."}
STATE_WORDS = {"listening": "Listening", "thinking": "Thinking", "speaking": "Speaking",
               "transferring": "Transferring to staff", "ended": "Ended"}


def caller_label(call: LiveCall) -> str:
    """Contact name and number, or whatever is known."""
    number = call.caller_number or "number withheld"
    name = call.contact or call.caller_name
    return f"{name} ({number})" if name else number


def transcript_html(call: LiveCall) -> str:
    """The conversation so far; the caller's words still being recognised in grey."""
    rows = []
    for turn in call.transcript:
        who = "Caller" if turn["speaker"] == "caller" else "Agent"
        cut = " <i>(interrupted)</i>" if turn.get("interrupted") else ""
        rows.append(f"<p><b>{who}:</b> {html.escape(turn['text'])}{cut}</p>")
    if call.partial:
        rows.append(f"<p style='color:#888'><i>Caller: {html.escape(call.partial)}...</i></p>")
    return "".join(rows) or "<p style='color:#888'>Nothing said yet.</p>"


class LiveView(QWidget):
    """Calls in progress, fed by the service's control channel; `needs_person(title, body)` once
    for each new reason a call needs a person (the window takes the eye with it)."""

    needs_person = Signal(str, str)

    def __init__(self, link: ServiceLink, config: Config, config_path: Path | None = None,
                 parent: QWidget | None = None, appliance: list[str] = APPLIANCE) -> None:
        """`config_path` is the settings file a test call uses; `appliance` the command that runs
        `appliance` (tests put a stand-in there)."""
        super().__init__(parent)
        self.link = link
        self.config = config
        self.config_path = config_path
        self.appliance = appliance
        self.talk: TalkDialog | None = None
        self.live = LiveCalls()
        self.alerted: dict[str, str] = {}  # call id: the attention already raised for it
        self.calls = QListWidget(objectName="live_calls")
        self.calls.setAccessibleName("Calls in progress")
        self.calls.setMinimumWidth(260)
        self.calls.currentItemChanged.connect(lambda *_: self._show())
        self.header = QLabel()
        self.header.setTextFormat(Qt.RichText)
        self.card = CallCard()
        self.transcript = QTextBrowser()
        self.transcript.setAccessibleName("Transcript")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.take_over_button = QPushButton("Ta&ke over")
        self.take_over_button.setToolTip("Put the caller through to your phone with the card's summary (Ctrl+K)")
        self.transfer_button = QPushButton("T&ransfer to staff")
        self.hangup_button = QPushButton("&Hang up")
        self.transfer_button.clicked.connect(lambda: self._command("transfer"))
        self.take_over_button.clicked.connect(lambda: self._command("take_over"))
        self.hangup_button.clicked.connect(lambda: self._command("hangup"))
        QShortcut(QKeySequence("Ctrl+T"), self, lambda: self._command("transfer"))
        QShortcut(QKeySequence("Ctrl+K"), self, lambda: self._command("take_over"))
        self.talk_button = QPushButton("Talk to the &agent...")
        self.talk_button.setToolTip("A test call through this PC's headset, with the live settings")
        self.book_check = QCheckBox("Let the agent book for real")
        self.talk_button.clicked.connect(self.open_talk)
        buttons = QHBoxLayout()
        for button in (self.take_over_button, self.transfer_button, self.hangup_button):
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(self.book_check)
        buttons.addWidget(self.talk_button)
        talk = QWidget()
        talk_layout = QVBoxLayout(talk)
        talk_layout.setContentsMargins(0, 0, 0, 0)
        talk_layout.addWidget(QLabel("Transcript", buddy=self.transcript))
        talk_layout.addWidget(self.transcript, 1)
        split = QSplitter(Qt.Orientation.Horizontal, objectName="live_split")
        split.addWidget(self.card)
        split.addWidget(talk)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        detail = QVBoxLayout()
        detail.addWidget(self.header)
        detail.addWidget(split, 1)
        detail.addLayout(buttons)
        detail.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addWidget(self.calls)
        layout.addLayout(detail, 1)
        link.message.connect(self.on_message)
        link.connection.connect(self._on_connection)
        link.command_done.connect(self._on_command_done)
        self.clock = QTimer(self, interval=1000, timeout=self._tick)
        self.clock.start()
        self._rebuild()

    # --- from the service ----------------------------------------------------------------
    def on_message(self, message: dict) -> None:
        """A snapshot or an event from the service."""
        kind = message.get("type")
        if kind == "Snapshot":
            self.live.load(message)
            self._rebuild()
            for call in self.live.calls.values():
                self._raise_attention(call)
            return
        call = self.live.apply(message)
        if call is None:
            return
        if kind in ("CallStarted", "CallEnded"):
            if kind == "CallEnded" and call.call_id == self.selected_id():
                self._say(f"The call with {caller_label(call)} ended.")
            self._rebuild()
        elif kind == "Transfer" and message.get("state") in FAILED_TRANSFER:
            reason = message.get("reason") or message["state"].replace("_", " ")
            self._say(f"Transfer of {caller_label(call)} to {message.get('target')} failed: {reason}. "
                      "The agent is back with the caller.", error=True)
        if kind == "CallEnded":
            self.alerted.pop(call.call_id, None)
        if call.call_id == self.selected_id():
            self._show()
        else:
            self._update_item(call)
        self._raise_attention(call)

    def _raise_attention(self, call: LiveCall) -> None:
        """A call needs a person for a new reason: show its card, ready to take over, and say so."""
        if call.call_id not in self.live.calls or self.alerted.get(call.call_id, "") == call.attention:
            return
        self.alerted[call.call_id] = call.attention
        if not call.attention:
            return
        self.select(call.call_id)
        self.take_over_button.setFocus()  # Enter (or Ctrl+K) takes it
        self.needs_person.emit(f"{caller_label(call)} needs a person", call.attention)

    def _on_connection(self, up: bool, detail: str) -> None:
        if not up:
            self.live.load({"calls": []})
            self._rebuild()
            self._say(f"Service not reachable - {detail}. Retrying...", error=True)
        else:
            self._say("")

    def _on_command_done(self, cmd: str, call_id: str, ok: bool, result: object) -> None:
        if cmd not in CALL_COMMANDS:
            return  # another view's (a call back)
        call = self.live.calls.get(call_id)
        who = caller_label(call) if call else call_id
        if not ok:
            self._say(f"Could not {cmd.replace('_', ' ')} the call with {who}: {result}", error=True)
        elif cmd in ("transfer", "take_over"):
            self._say(f"Putting {who} through to {result['target']}.")

    # --- a test call ---------------------------------------------------------------------
    def open_talk(self) -> TalkDialog:
        """Start a test call through the headset in its own process (or show the one running)."""
        if self.talk is not None and self.talk.running:
            self.talk.show()
            self.talk.raise_()
            return self.talk
        if self.talk is not None:
            self.talk.deleteLater()  # the last test call's dialog, closed or ended
        command = talk_command(self.config_path, self.book_check.isChecked(), self.appliance)
        self.talk = TalkDialog(command, self)
        self.talk.show()
        self.talk.start()
        return self.talk

    def stop_talk(self) -> None:
        """End a test call still running (the window is closing)."""
        if self.talk is not None:
            self.talk.end_now()

    # --- the widgets ---------------------------------------------------------------------
    def selected_id(self) -> str:
        """The call shown on the right, if any."""
        item = self.calls.currentItem()
        return item.data(Qt.UserRole) if item is not None else ""

    def select(self, call_id: str) -> None:
        """Show the call `call_id`."""
        for row in range(self.calls.count()):
            if self.calls.item(row).data(Qt.UserRole) == call_id:
                self.calls.setCurrentRow(row)

    def _rebuild(self) -> None:
        selected = self.selected_id()
        self.calls.blockSignals(True)
        self.calls.clear()
        for call in sorted(self.live.calls.values(), key=lambda c: c.started_at):
            item = QListWidgetItem()
            item.setData(Qt.UserRole, call.call_id)
            self.calls.addItem(item)
            self._update_item(call)
        self.calls.blockSignals(False)
        if self.calls.count():
            self.select(selected if selected in self.live.calls else self.calls.item(0).data(Qt.UserRole))
        self._show()

    def _update_item(self, call: LiveCall) -> None:
        for row in range(self.calls.count()):
            item = self.calls.item(row)
            if item.data(Qt.UserRole) == call.call_id:
                mark = "NEEDS A PERSON - " if call.attention else ""
                item.setText(f"{mark}{caller_label(call)}\n{STATE_WORDS.get(call.state, call.state)} - "
                             f"{duration(call)}")
                item.setForeground(QColor(colour(ERROR)) if call.attention else self.calls.palette().text())

    def _show(self) -> None:
        call = self.live.calls.get(self.selected_id())
        for button in (self.transfer_button, self.take_over_button, self.hangup_button):
            button.setEnabled(call is not None and self.link.connected)
        if call is None:
            self.header.setText("<h3>No call in progress</h3>" if not self.live.calls else "")
            self.card.show_call(None)
            self.transcript.setHtml("")
            return
        self._show_header(call)
        self.card.show_call(call)
        self.transcript.setHtml(transcript_html(call))
        self.transcript.verticalScrollBar().setValue(self.transcript.verticalScrollBar().maximum())
        self._update_item(call)

    def _show_header(self, call: LiveCall) -> None:
        latency = ""
        if call.latencies_ms:
            latency = (f" &middot; reply latency last {call.latencies_ms[-1]:.0f} ms, "
                       f"median {statistics.median(call.latencies_ms):.0f} ms")
        self.header.setText(f"<h3>{html.escape(caller_label(call))}</h3>"
                            f"{STATE_WORDS.get(call.state, call.state)} &middot; {duration(call)}{latency}")

    def _tick(self) -> None:
        for call in self.live.calls.values():
            self._update_item(call)
        call = self.live.calls.get(self.selected_id())
        if call is not None:
            self._show_header(call)

    def _command(self, cmd: str) -> None:
        call_id = self.selected_id()
        if not call_id:
            return
        self._say(CALL_COMMANDS[cmd])
        self.link.command(cmd, call_id)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        show_tone(self.status, ERROR if error else PLAIN)


def duration(call: LiveCall) -> str:
    """m:ss since the call was answered."""
    seconds = max(0, int(time.time() - call.started_at))
    return f"{seconds // 60}:{seconds % 60:02d}"
