"""Messages: the to-do list of messages and callback requests the phone agent takes, worked
through by calling back and marking each one done. The message the user moves to is audited as read."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.crm.messages import Message, Messages
from appliance.crm.timeutil import parse_iso
from gui.callback_button import CallbackButton, callback_result_words, settled
from gui.columns import size_columns
from gui.contacts_view import local_text
from gui.read_audit import ReadAudit
from gui.service_link import ServiceLink
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, MUTED, PLAIN, colour, show_tone

COLUMNS = ("Done", "Created", "Kind", "Caller", "Number", "Text", "Status", "Called back")
DONE, CREATED, KIND, CALLER, NUMBER, TEXT, STATUS, CALLED_BACK = range(len(COLUMNS))
FILTERS = ("Open only", "All")
SAMPLE_TIME = "Wed 30 Sep 2026 23:59"  # the widest time a column shows
COLUMN_SAMPLES = {CREATED: (SAMPLE_TIME,), KIND: ("Callback", "Message"), CALLER: ("Alexandra Fitzgerald",),
                  NUMBER: ("+15551234567",), STATUS: (f"Done {SAMPLE_TIME}",),
                  CALLED_BACK: (f"{SAMPLE_TIME} — no answer",)}
URGENT_BACKGROUND = QColor("#fde2e2")  # with its own text colour: readable in a light or a dark look
URGENT_FOREGROUND = QColor("#b00020")
AnyIndex = QModelIndex | QPersistentModelIndex


def read_messages(store: Store, open_only: bool) -> tuple[list[Message], int, dict[int, str]]:
    """The messages to show, how many are open, and how their calls back went."""
    messages = Messages(store.db)
    shown = messages.list(open_only)
    return shown, messages.open_count(), called_back(store, [m.id for m in shown])


def called_back(store: Store, message_ids: list[int]) -> dict[int, str]:
    """The front desk's call back of each of these messages that has one (written by the service),
    as shown: 'Tue 03 Nov 2026 14:05 — connected'."""
    rows = store.db.execute(
        "SELECT id, called_back_at, callback_result FROM messages WHERE id IN (SELECT value FROM json_each(?)) "
        "AND (called_back_at IS NOT NULL OR callback_result != '')", [json.dumps(message_ids)]).fetchall()
    shown = {}
    for message_id, at, result in rows:
        when = local_text(parse_iso(at), store.tz) if at else ""
        shown[message_id] = " — ".join(text for text in (when, callback_result_words(result)) if text)
    return shown


class MessagesModel(QAbstractTableModel):
    """Messages as table rows. Ticking a row's box asks for the change (`done_requested`); the
    row itself changes only when the store has been written and re-read."""

    done_requested = Signal(int, bool)  # message id, done

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.messages: list[Message] = []
        self.called_back: dict[int, str] = {}  # message id -> its call back, as shown

    def set_messages(self, messages: list[Message], called_back: dict[int, str]) -> None:
        """Show these messages (and their calls back) instead."""
        self.beginResetModel()
        self.messages, self.called_back = messages, called_back
        self.endResetModel()

    def row_of(self, message_id: int) -> int | None:
        """The row showing this message, if shown."""
        return next((row for row, m in enumerate(self.messages) if m.id == message_id), None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        """Qt: the number of messages."""
        return 0 if parent.isValid() else len(self.messages)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        """Qt: the number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> object:
        """Qt: column titles."""
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Qt: rows are selectable; the Done column is a checkbox."""
        flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        return flags | Qt.ItemIsUserCheckable if index.column() == DONE else flags

    def data(self, index: AnyIndex, role: int = Qt.DisplayRole) -> object:
        """Qt: cell text, the Done checkbox, and the look of urgent and done messages."""
        if not index.isValid():
            return None
        message, column = self.messages[index.row()], index.column()
        if role == Qt.DisplayRole:
            return self._text(message, column)
        if role == Qt.CheckStateRole and column == DONE:
            return Qt.Checked if message.done else Qt.Unchecked
        if role == Qt.ToolTipRole:
            return message.text
        if role == Qt.BackgroundRole and message.urgent and not message.done:
            return URGENT_BACKGROUND
        if role == Qt.ForegroundRole and (message.done or message.urgent):
            return QColor(colour(MUTED)) if message.done else URGENT_FOREGROUND
        if role == Qt.FontRole and message.urgent and not message.done:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def setData(self, index: AnyIndex, value: object, role: int = Qt.EditRole) -> bool:
        """Qt: a ticked or cleared Done box asks for the message to be marked done or open."""
        if role != Qt.CheckStateRole or index.column() != DONE or not index.isValid():
            return False
        self.done_requested.emit(self.messages[index.row()].id, Qt.CheckState(value) == Qt.Checked)
        return False

    def _text(self, message: Message, column: int) -> str | None:
        if column == CREATED:
            return local_text(message.created_at, self.tz)
        if column == STATUS:
            return f"Done {local_text(message.done_at, self.tz)}" if message.done_at else message.status.title()
        return {KIND: message.kind.title(), CALLER: message.caller_name or "unknown",
                NUMBER: message.caller_number or "withheld", TEXT: " ".join(message.text.split()),
                CALLED_BACK: self.called_back.get(message.id, "")}.get(column)


class MessagesTable(QTableView):
    """The messages table; Space marks the current message done, or open again."""

    toggle_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Space toggles the current message; other keys as usual."""
        if event.key() == Qt.Key_Space and not event.modifiers():
            self.toggle_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class MessagesView(QWidget):
    """Open messages (or all of them), urgent ones highlighted, called back and marked done with
    buttons, Space or the checkbox. `open_count_changed` carries the number of open messages."""

    open_count_changed = Signal(int)

    def __init__(self, store: StoreWorker, link: ServiceLink, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.config = config
        self.audit = ReadAudit(store)
        self.open_count: int | None = None
        self._read: int | None = None  # the message last audited as read
        self.filter = QComboBox()
        self.filter.addItems(FILTERS)
        self.model = MessagesModel(ZoneInfo(config.clinic.timezone), self)
        self.table = MessagesTable(objectName="messages_table", accessibleName="Messages", tabKeyNavigation=False)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        size_columns(self.table, COLUMN_SAMPLES, TEXT)
        self.toggle_button = QPushButton("Mar&k done")
        self.callback_button = CallbackButton(link, config.crm)
        self.count_label = QLabel()
        self.status = QLabel(wordWrap=True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Sho&w:", buddy=self.filter))
        top.addWidget(self.filter)
        top.addWidget(self.toggle_button)
        top.addWidget(self.callback_button)
        top.addStretch(1)
        top.addWidget(self.count_label)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.table, 1)
        box.addWidget(self.status)
        box.addWidget(self.callback_button.status)
        self.filter.currentIndexChanged.connect(self.refresh)
        self.model.done_requested.connect(self.set_done)
        self.table.toggle_requested.connect(self.toggle_current)
        self.toggle_button.clicked.connect(self.toggle_current)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._on_current())
        self.model.modelReset.connect(self._update_button)
        link.message.connect(self._on_service_message)
        self._update_button()

    def open_only(self) -> bool:
        """Whether only open messages are shown."""
        return self.filter.currentIndex() == 0

    def current_message(self) -> Message | None:
        """The message at the table's current row, if any."""
        index = self.table.currentIndex()
        return self.model.messages[index.row()] if index.isValid() else None

    def refresh(self) -> None:
        """Re-read the messages, keeping the current row and the scroll position."""
        open_only = self.open_only()
        self.store.run(lambda s: read_messages(s, open_only), lambda found: self._show(open_only, *found),
                       self._show_error)

    def toggle_current(self) -> None:
        """Mark the current message done, or open again if it is done."""
        message = self.current_message()
        if message is None:
            self._set_status("Select a message first.", error=True)
            return
        self.set_done(message.id, not message.done)

    def set_done(self, message_id: int, done: bool) -> None:
        """Mark a message done (or open again) in the store, then re-read."""
        self.store.run(lambda s: Messages(s.db).set_done(message_id, done), self._changed, self._show_error)

    def _changed(self, message: Message) -> None:
        who = message.caller_name or message.caller_number or "unknown caller"
        self._set_status(f"Marked {'done' if message.done else 'open'}: {message.kind} from {who}.")
        self.refresh()

    def _show(self, open_only: bool, messages: list[Message], open_count: int, calls_back: dict[int, str]) -> None:
        if open_only != self.open_only():
            return  # the filter changed; a newer read is queued
        current, row = self.current_message(), self.table.currentIndex().row()
        scroll = self.table.verticalScrollBar().value()
        self.model.set_messages(messages, calls_back)
        if current is not None:
            found = self.model.row_of(current.id)
            row = found if found is not None else min(row, len(messages) - 1)
        if row >= 0:
            self.table.selectRow(row)
        self.table.verticalScrollBar().setValue(scroll)
        self.count_label.setText(f"{open_count} open" + ("" if open_only else f", {len(messages)} shown"))
        if open_count != self.open_count:
            self.open_count = open_count
            self.open_count_changed.emit(open_count)

    def _on_current(self) -> None:
        """Another message is current: audited as read (once; a refresh keeping it current is not a read)."""
        message = self.current_message()
        if message is not None and message.id != self._read:
            self._read = message.id
            self.audit.view("message", message.id)
        self._update_button()

    def _update_button(self) -> None:
        message = self.current_message()
        self.toggle_button.setEnabled(message is not None)
        self.toggle_button.setText("Mar&k open again" if message and message.done else "Mar&k done")
        self.callback_button.set_target(message.caller_number if message else "", message.id if message else None)

    def _on_service_message(self, message: dict) -> None:
        if settled(message) and message.get("message_id") is not None:
            self.refresh()  # the service has written (or is writing) how the call back went

    def _show_error(self, exc: Exception) -> None:
        self._set_status(str(exc), error=True)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        show_tone(self.status, ERROR if error else PLAIN)
