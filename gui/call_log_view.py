"""The call log tab: every call with its caller, outcome and reply latency; the selected call's
transcript, end reason, reminder result and recording, and a call back to its number. Opening a
call, playing its recording or opening its folder, and each search the user runs are audited as reads."""

from __future__ import annotations

import html
import io
import threading
import wave
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.crm.call_history import (
    OUTCOMES,
    REPLY_STAGE,
    CallSummary,
    find_calls,
    outcome_words,
)
from appliance.crm.calls import CallLog
from appliance.crm.reminders import result_words
from appliance.crm.timeutil import parse_iso
from appliance.keys.keyring import load_keyring
from appliance.keys.sealing import read_file
from gui.callback_button import CallbackButton
from gui.columns import size_columns
from gui.read_audit import ReadAudit
from gui.service_link import ServiceLink
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, MUTED, PLAIN, colour, show_tone

CALL_LIMIT = 2000  # the newest calls matching the search are listed, no more
SEARCH_DELAY_MS = 250  # typing pauses this long before the store is searched
SORT_ROLE = Qt.ItemDataRole.UserRole  # each cell's real value (time, seconds, ms), for sorting
STARTED, CALLER, DURATION, OUTCOME, TURNS, LATENCY = range(6)
HEADERS = ("Started", "Caller", "Duration", "Outcome", "Turns", "Median reply")
NUMERIC = (DURATION, TURNS, LATENCY)
COLUMN_SAMPLES = {STARTED: ("Wed 30 Sep 2026 23:59",), DURATION: ("in progress",),
                  OUTCOME: tuple(OUTCOMES.values()), TURNS: ("999",), LATENCY: ("9999 ms",)}


def clock_text(seconds: float) -> str:
    """Seconds as m:ss (h:mm:ss from an hour)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when_text(moment: datetime, tz: ZoneInfo, today: date) -> str:
    """A UTC time in clinic local time: 'Today 14:05', 'Yesterday 09:12' or 'Mon 03 Mar 2025 16:40'."""
    local = moment.astimezone(tz)
    days_ago = (today - local.date()).days
    day = {0: "Today", 1: "Yesterday"}.get(days_ago) or local.strftime("%a %d %b %Y")
    return f"{day} {local:%H:%M}"


def caller_text(call: CallSummary) -> str:
    """Who called: the matched contact, else the caller ID name, with the number."""
    name = call.contact_name or call.caller_name
    who = f"{name} ({call.caller_number})" if name and call.caller_number else name or call.caller_number
    who = who or "Unknown caller"
    return {"outbound": f"{who}, outgoing", "test": f"{who}, test call"}.get(call.direction, who)


def table_cells(call: CallSummary, tz: ZoneInfo, today: date) -> tuple[tuple[str, object], ...]:
    """(display text, sort value) for each column; missing numbers sort as -1."""
    duration, latency, caller = call.duration_s, call.median_latency_ms, caller_text(call)
    return (
        (when_text(call.started_at, tz, today), call.started_at.timestamp()),
        (caller, caller.lower()),
        ("in progress" if duration is None else clock_text(duration), -1.0 if duration is None else duration),
        (outcome_words(call.outcome), outcome_words(call.outcome).lower()),
        (str(call.turns), call.turns),
        ("-" if latency is None else f"{latency:.0f} ms", -1.0 if latency is None else float(latency)),
    )


def transcript_html(turns: list[dict], started: datetime) -> str:
    """The turns of a call: who spoke when, caller confidence, agent reply latency, interruptions."""
    if not turns:
        return "<p><i>Nothing was said on this call.</i></p>"
    parts = []
    for turn in turns:
        caller = turn["speaker"] == "caller"
        notes = ["+" + clock_text(max((parse_iso(turn["started_at"]) - started).total_seconds(), 0))]
        if caller and turn["confidence"] is not None:
            notes.append(f"confidence {turn['confidence']:.0%}")
        if not caller and REPLY_STAGE in (turn["latency"] or {}):
            notes.append(f"replied in {turn['latency'][REPLY_STAGE]:.0f} ms")
        if turn["interrupted"]:
            notes.append(f"<span style='color: {colour(ERROR)}; font-weight: bold'>interrupted</span>")
        text = html.escape(turn["text"]) or "<i>(text removed after the retention period)</i>"
        parts.append(f"<p><b>{'Caller' if caller else 'Agent'}</b> <span style='color: {colour(MUTED)}'>"
                     f"{' &middot; '.join(notes)}</span><br>{text}</p>")
    return "".join(parts)


@dataclass(frozen=True)
class CallDetail:
    """What the store holds beyond the call's row: its turns, whether its recording exists, and
    what came of it when it was a reminder call."""

    call_id: int
    turns: list[dict]
    recording_exists: bool
    reminder: str  # the reminder call's result in words, '' when it was none


def read_detail(store: Store, call: CallSummary) -> CallDetail:
    """The call's turns, recording state and reminder result (worker thread: reads the store and the disk)."""
    exists = bool(call.recording_path) and Path(call.recording_path).is_file()
    reminder = store.db.execute("SELECT result FROM reminders WHERE call_id = ? ORDER BY id DESC LIMIT 1",
                                [call.id]).fetchone()
    return CallDetail(call.id, CallLog(store.db).turns(call.id), exists, result_words(reminder[0]) if reminder else "")


class CallTableModel(QAbstractTableModel):
    """Calls as rows: display text per column, and the real value under SORT_ROLE."""

    def __init__(self, tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.calls: list[CallSummary] = []
        self._today: date | None = None
        self._cells: list[tuple[tuple[str, object], ...]] = []

    def set_calls(self, calls: list[CallSummary], today: date) -> bool:
        """Show `calls`; False (and nothing redrawn) when they and the day are unchanged."""
        if calls == self.calls and today == self._today:
            return False
        self.beginResetModel()
        self.calls, self._today = calls, today
        self._cells = [table_cells(call, self.tz, today) for call in calls]
        self.endResetModel()
        return True

    def row_of(self, call_id: int) -> int | None:
        """The row showing call `call_id`, if listed."""
        return next((row for row, call in enumerate(self.calls) if call.id == call_id), None)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows: one per call (none under a parent)."""
        return 0 if parent.isValid() else len(self.calls)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Columns: see HEADERS."""
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Text, sort value, alignment and the caller's tooltip."""
        if not index.isValid():
            return None
        text, value = self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == STARTED:
            return f"{self.calls[index.row()].started_at.astimezone(self.tz):%A %d %B %Y, %H:%M:%S %Z}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None


class RecordingPlayer(QObject):
    """Plays a call's WAV file through the default audio output, on its own thread."""

    finished = Signal(str)  # '' when it played to the end or was stopped, else why it could not play

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir  # its key file opens recordings sealed with the data key
        self._thread: threading.Thread | None = None
        self._audio = None  # the sounddevice module, once playback has started

    @property
    def playing(self) -> bool:
        """Whether a recording is playing now."""
        return self._thread is not None and self._thread.is_alive()

    def play(self, path: Path) -> None:
        """Start playing `path`; `finished` tells when it is over."""
        self._thread = threading.Thread(target=self._play, args=(path,), name="recording-playback", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop playing now."""
        if self._audio is not None:
            self._audio.stop()

    def _play(self, path: Path) -> None:
        try:
            import sounddevice

            with wave.open(io.BytesIO(read_file(path, load_keyring(self.data_dir))), "rb") as wav:
                if wav.getsampwidth() != 2:
                    raise ValueError("it is not 16-bit PCM")
                frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
                frames, rate = frames.reshape(-1, wav.getnchannels()), wav.getframerate()
            self._audio = sounddevice
            sounddevice.play(frames, rate)
            sounddevice.wait()
        except Exception as exc:  # noqa: BLE001 - no audio device, a bad file: told, never raised
            self.finished.emit(f"Cannot play the recording: {exc}")
        else:
            self.finished.emit("")


class CallLogView(QWidget):
    """Search and sort the calls; read the selected call's transcript, play its recording and call
    its number back."""

    def __init__(self, store: StoreWorker, link: ServiceLink, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.audit = ReadAudit(store)
        self.tz = ZoneInfo(config.clinic.timezone)
        self.callback_button = CallbackButton(link, config.crm)
        self.model = CallTableModel(self.tz, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.player = RecordingPlayer(config.paths.data, self)
        self.player.finished.connect(self._on_playback_finished)
        self._shown: CallSummary | None = None
        self._transcript_of: int | None = None  # the call whose transcript is on screen
        self._playable = False  # the shown call's recording file exists
        self._query = 0  # the newest list query; older answers are dropped
        self._wanted: int | None = None  # a call to show once the list is read (`open_call`)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self.search_now)
        self._build()

    # --- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit(placeholderText="caller, number, outcome or words said", clearButtonEnabled=True)
        self.search.textChanged.connect(lambda: self._search_timer.start())
        self.search.returnPressed.connect(self._search_and_focus)
        self.outcome = QComboBox()
        self.outcome.addItem("All outcomes", "")
        for code, words in OUTCOMES.items():
            self.outcome.addItem(words, code)
        self.outcome.currentIndexChanged.connect(lambda: self.search_now())
        self.status = QLabel()
        bar = QHBoxLayout()
        for label_text, field in (("&Search:", self.search), ("O&utcome:", self.outcome)):
            label = QLabel(label_text)
            label.setBuddy(field)
            bar.addWidget(label)
            bar.addWidget(field, 1 if field is self.search else 0)
        bar.addWidget(self.status)

        self.table = QTableView(sortingEnabled=True, alternatingRowColors=True, objectName="call_log_table",
                                accessibleName="Calls", tabKeyNavigation=False)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        size_columns(self.table, COLUMN_SAMPLES, CALLER)
        self.table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        splitter = QSplitter(objectName="call_log_splitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        for first, second in ((self.search, self.outcome), (self.outcome, self.table),
                              (self.table, self.callback_button), (self.callback_button, self.transcript),
                              (self.transcript, self.play_button),
                              (self.play_button, self.folder_button)):
            QWidget.setTabOrder(first, second)
        self._show_call(None)

    def _build_detail(self) -> QWidget:
        self.heading = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.end_reason = QLabel(wordWrap=True)
        self.reminder = QLabel(wordWrap=True)
        self.transcript = QTextBrowser(accessibleName="What was said")
        self.play_button = QPushButton("&Play recording", clicked=self._toggle_playback)
        self.folder_button = QPushButton("Open &folder", clicked=self._open_folder)
        self.recording_label = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.playback_label = QLabel(wordWrap=True)
        show_tone(self.playback_label, ERROR)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.recording_label, 1)
        detail = QWidget()
        layout = QVBoxLayout(detail)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.heading, self.end_reason, self.reminder):
            layout.addWidget(widget)
        callback = QHBoxLayout()
        callback.addWidget(self.callback_button)
        callback.addWidget(self.callback_button.status, 1)
        layout.addLayout(callback)
        layout.addWidget(self.transcript, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.playback_label)
        return detail

    # --- the list -----------------------------------------------------------------------
    def refresh(self, audited: bool = False) -> Future:
        """Re-read the calls matching the search and outcome (keeps the selected call selected).
        `audited`: the user ran this search; with words in the box, the calls listed are
        audited as read (a refresh, or the list without a search, is not)."""
        self._search_timer.stop()
        self._query += 1
        query, text, outcome = self._query, self.search.text(), self.outcome.currentData()
        audited = audited and bool(text.strip())
        return self.store.run(lambda store: find_calls(store.db, store.contacts, text, outcome, CALL_LIMIT),
                              lambda calls: self._on_calls(query, calls, audited), self._on_calls_error)

    def search_now(self) -> Future:
        """Run the search the user typed (audited)."""
        return self.refresh(audited=True)

    def open_call(self, call_id: int) -> Future:
        """Show the call `call_id`: the search and outcome cleared, so the list holds it."""
        for field, clear in ((self.search, self.search.clear), (self.outcome, lambda: self.outcome.setCurrentIndex(0))):
            field.blockSignals(True)
            clear()
            field.blockSignals(False)
        self._wanted = call_id
        return self.refresh()

    def selected_call(self) -> CallSummary | None:
        """The call selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.calls[self.proxy.mapToSource(rows[0]).row()] if rows else None

    def _search_and_focus(self) -> None:
        self.search_now()
        self.table.setFocus()

    def _on_calls(self, query: int, calls: list[CallSummary], audited: bool) -> None:
        if query != self._query:
            return
        if audited:
            self.audit.search("call", [call.id for call in calls])
        shown = f"{len(calls)} call{'s' if len(calls) != 1 else ''}"
        self.status.setText(f"latest {shown}" if len(calls) >= CALL_LIMIT else shown)
        show_tone(self.status, PLAIN)
        wanted, self._wanted = self._wanted, None
        selected = wanted if wanted is not None else self._shown.id if self._shown else None
        scroll = self.table.verticalScrollBar().value()
        if not self.model.set_calls(calls, datetime.now(self.tz).date()) and wanted is None:
            return
        row = self.model.row_of(selected) if selected is not None else None
        if row is None:
            self._show_call(None)
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())  # shows it if it changed
        if wanted is None:
            self.table.verticalScrollBar().setValue(scroll)
        else:
            self.table.scrollTo(index)
            self.table.setFocus()

    def _on_calls_error(self, exc: Exception) -> None:
        self.status.setText(f"Could not read the call log: {exc}")
        show_tone(self.status, ERROR)

    # --- the selected call --------------------------------------------------------------
    def _on_selection(self) -> None:
        self._show_call(self.selected_call())

    def _show_call(self, call: CallSummary | None) -> None:
        """Show `call`'s heading at once and ask the worker for its transcript (unless unchanged)."""
        self.callback_button.set_target(call.caller_number if call else "")
        if call == self._shown and call is not None:
            return
        opened = call is not None and (self._shown is None or self._shown.id != call.id)  # not a refresh of it
        self._shown, self._playable = call, False
        self.play_button.setEnabled(self.player.playing)
        self.folder_button.setEnabled(False)
        if call is None:
            self._transcript_of = None
            self.heading.setText("<i>Select a call to read what was said.</i>")
            for label in (self.end_reason, self.reminder, self.transcript, self.recording_label):
                label.clear()
            return
        duration = "in progress" if call.duration_s is None else clock_text(call.duration_s)
        when = when_text(call.started_at, self.tz, datetime.now(self.tz).date())
        self.heading.setText(f"<b>{html.escape(caller_text(call))}</b><br>{when} &middot; {duration} &middot; "
                             f"{html.escape(outcome_words(call.outcome))}")
        self.end_reason.setText("Call in progress" if call.ended_at is None
                                else f"End reason: {call.end_reason or 'not recorded'}")
        self._read_detail(call)
        if opened:
            self.audit.view("call", call.id)  # after the read: a busy store delays only the audit

    def _read_detail(self, call: CallSummary) -> None:
        self.store.run(lambda store: read_detail(store, call), self._on_detail,
                       lambda exc: self._on_detail_error(call.id, exc))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        """A new look (light or dark) draws the transcript again in its colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._shown is not None:
            self._read_detail(self._shown)

    def _on_detail(self, detail: CallDetail) -> None:
        call = self._shown
        if call is None or call.id != detail.call_id:
            return
        scroll = self.transcript.verticalScrollBar()
        keep = scroll.value() if detail.call_id == self._transcript_of else 0  # a call going on gets new turns
        self.transcript.setHtml(transcript_html(detail.turns, call.started_at))
        scroll.setValue(keep)
        self._transcript_of, self._playable = detail.call_id, detail.recording_exists
        self.reminder.setText(f"Reminder call: {detail.reminder}" if detail.reminder else "")
        if not call.recording_path:
            self.recording_label.setText("No recording of this call.")
        elif detail.recording_exists:
            self.recording_label.setText(call.recording_path)
        else:
            self.recording_label.setText(f"The recording file is missing: {call.recording_path}")
        self.play_button.setEnabled(self._playable or self.player.playing)
        self.folder_button.setEnabled(self._playable)

    def _on_detail_error(self, call_id: int, exc: Exception) -> None:
        if self._shown is not None and self._shown.id == call_id:
            self.transcript.setPlainText(f"Could not read this call: {exc}")

    # --- the recording ------------------------------------------------------------------
    def _toggle_playback(self) -> None:
        if self.player.playing:
            self.player.stop()
            return
        if self._shown is None or not self._shown.recording_path:
            return
        self.playback_label.clear()
        self.play_button.setText("&Stop playing")
        self.audit.view("call", self._shown.id, "play_recording")
        self.player.play(Path(self._shown.recording_path))

    def _on_playback_finished(self, problem: str) -> None:
        self.play_button.setText("&Play recording")
        self.play_button.setEnabled(self._playable)
        self.playback_label.setText(problem)

    def _open_folder(self) -> None:
        if self._shown is None or not self._shown.recording_path:
            return
        folder = Path(self._shown.recording_path).parent
        self.audit.view("call", self._shown.id, "open_recording_folder")
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.playback_label.setText(f"Could not open the folder {folder}")
