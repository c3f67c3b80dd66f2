"""The day at a glance: the day's appointments next to the calls that made or changed them, the
messages and call-backs still to follow up (each marked done in one step), and what the agent
could not handle that day, with a tally of the reasons. The message the user moves to is audited
as read, as in the Messages tab."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.crm.call_history import outcome_words
from appliance.crm.day_glance import (
    AppointmentCall,
    CallRef,
    DayAppointment,
    DayGlance,
    DayGlanceReader,
    Handover,
    clinic_today,
)
from appliance.crm.messages import Message, Messages
from appliance.crm.reminders import result_words
from gui.call_log_view import when_text
from gui.messages_view import URGENT_BACKGROUND, URGENT_FOREGROUND
from gui.read_audit import ReadAudit
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, MUTED, PLAIN, colour, show_tone, tone_of

APPOINTMENT_HEADERS = ("Time", "Patient", "Service", "Dentist", "Status", "Reminder call", "Calls")
A_TIME, A_PATIENT, A_SERVICE, A_DENTIST, A_STATUS, A_REMINDER, A_CALL = range(len(APPOINTMENT_HEADERS))
MESSAGE_HEADERS = ("Done", "Received", "Kind", "Caller", "Number", "Message")
M_DONE, M_RECEIVED, M_KIND, M_CALLER, M_NUMBER, M_TEXT = range(len(MESSAGE_HEADERS))
HANDOVER_HEADERS = ("Time", "Caller", "Reason", "Handed to", "Outcome", "Summary")
H_TIME, H_CALLER, H_REASON, H_TARGET, H_OUTCOME, H_SUMMARY = range(len(HANDOVER_HEADERS))
REASON_HEADERS = ("Hand-overs", "Reason")
WIDTHS = {  # each table's columns' default widths, as the text they fit (the last column stretches)
    "day_appointments": ("00:00", "Maria Lopez-Garcia", "check-up", "Dr. Okafor", "Cancelled", "confirmed by phone"),
    "day_messages": ("[x] Done", "Mon 03 Jun 2030 10:00", "Callback, URGENT", "Maria Lopez-Garcia", "+15551234567"),
    "day_handovers": ("00:00", "Maria Lopez (+15551234567)", "the caller asked for a person", "front desk",
                     "Transferred to staff"),
    "day_handover_reasons": ("Hand-overs",),
}
ACTION_WORDS = {"booked": "booked", "cancelled": "cancelled", "moved": "moved", "reminded": "reminder call"}
STATUS_WORDS = {"booked": "Booked", "cancelled": "Cancelled", "completed": "Completed", "no_show": "No-show"}
OPEN_CALL_TIP = "Double-click or press Enter to open this call in the call log."
DONE_TIP = "Marks the selected message done (Ctrl+D, or Enter or Space in the list)."


def call_text(call: CallRef, tz: ZoneInfo, today: date, actions: tuple[str, ...] = ()) -> str:
    """A call as one line: 'Today 08:05 · booked · Maria Lopez (+15551234567) · Booked'."""
    did = ", ".join(ACTION_WORDS.get(a, a) for a in actions)
    return " · ".join(p for p in (when_text(call.started_at, tz, today), did, call.caller,
                                  outcome_words(call.outcome)) if p)


def message_kind(message: Message) -> str:
    """'Callback' or 'Message', flagged when urgent: 'Message, URGENT'."""
    return message.kind.title() + (", URGENT" if message.urgent else "")


class FollowUpTable(QTableWidget):
    """The open messages; Enter, Return or Space asks for the current one to be marked done."""

    done_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Enter, Return and Space mark the current message done; other keys as usual."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not (
                event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self.done_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def make_table(table: QTableWidget, name: str, headers: tuple[str, ...], accessible: str) -> QTableWidget:
    """A read-only, row-selecting table with column headers, a unique object name (its column
    widths can be saved under it) and a Tab that leaves it for the next control."""
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    table.setCornerButtonEnabled(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    metrics = table.fontMetrics()
    for column, sample in enumerate(WIDTHS[name]):
        table.setColumnWidth(column, max(metrics.horizontalAdvance(t) for t in (sample, headers[column])) + 24)
    return table


def cell(text: str, tip: str = "", accessible: str = "") -> QTableWidgetItem:
    """A table cell showing `text` (read by screen readers as `accessible` when given)."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        item.setToolTip(tip)
    if accessible:
        item.setData(Qt.ItemDataRole.AccessibleTextRole, accessible)
    return item


def read_glance(store: Store, day: date | None) -> DayGlance:
    """The glance at `day` (the clinic's today when None), read on the worker thread."""
    return DayGlanceReader(store.db, store.contacts, store.tz).read(day)


class DayView(QWidget):
    """The day at a glance (today unless a `day` is given). `open_call(call id)`: the user opened
    a call of an appointment or a hand-over (double-click or Enter); `message_done(message id)`:
    a message was marked done here."""

    open_call = Signal(int)
    message_done = Signal(int)

    def __init__(self, store: StoreWorker, config: Config, day: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tz = ZoneInfo(config.clinic.timezone)
        self.day = day
        self.audit = ReadAudit(store)
        self.glance: DayGlance | None = None
        self._shown: tuple[DayGlance, date] | None = None  # what the tables show, and the date they were made on
        self.appointment_rows: list[tuple[DayAppointment, AppointmentCall | None]] = []
        self.messages: list[Message] = []
        self._filling = False
        self._read: int | None = None  # the message last audited as read
        self.day_label = QLabel()
        self.day_label.setAccessibleName("Day shown")
        self.appointments_box = QGroupBox()
        self.appointments_table = make_table(QTableWidget(), "day_appointments", APPOINTMENT_HEADERS,
                                             "Appointments and the calls that made or changed them")
        self.messages_box = QGroupBox()
        self.done_button = QPushButton("Mar&k done", toolTip=DONE_TIP)
        self.done_button.setAccessibleName("Mark the selected message done")
        self.open_label = QLabel()
        self.open_label.setAccessibleName("Open messages")
        self.messages_table = make_table(FollowUpTable(), "day_messages", MESSAGE_HEADERS,
                                         "Messages and call-backs to follow up")
        self.handovers_box = QGroupBox()
        self.handovers_table = make_table(QTableWidget(), "day_handovers", HANDOVER_HEADERS,
                                          "Hand-overs to staff")
        self.reasons_table = make_table(QTableWidget(), "day_handover_reasons", REASON_HEADERS,
                                        "Hand-overs per reason")
        self.status = QLabel(wordWrap=True)
        self.status.setAccessibleName("Day at a glance status")
        self._lay_out()
        self.appointments_table.activated.connect(self._open_appointment_call)
        self.handovers_table.activated.connect(self._open_handover_call)
        self.messages_table.done_requested.connect(self.mark_done)
        self.messages_table.itemChanged.connect(self._on_item_changed)
        self.messages_table.currentCellChanged.connect(lambda *_: self._on_current_message())
        self.done_button.clicked.connect(lambda: self.mark_done())
        QShortcut(QKeySequence("Ctrl+D"), self, lambda: self.mark_done(),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._titles(None)
        self._on_current_message()

    def _lay_out(self) -> None:
        appointments = QVBoxLayout(self.appointments_box)
        appointments.addWidget(self.appointments_table)
        messages = QVBoxLayout(self.messages_box)
        top = QHBoxLayout()
        top.addWidget(self.done_button)
        top.addStretch(1)
        top.addWidget(self.open_label)
        messages.addLayout(top)
        messages.addWidget(self.messages_table)
        beside = QSplitter(Qt.Orientation.Horizontal, objectName="day_handover_split", childrenCollapsible=False)
        beside.addWidget(self.handovers_table)
        beside.addWidget(self.reasons_table)
        beside.setStretchFactor(0, 3)
        beside.setStretchFactor(1, 1)
        QVBoxLayout(self.handovers_box).addWidget(beside)
        sections = QSplitter(Qt.Orientation.Vertical, objectName="day_split", childrenCollapsible=False)
        for section, stretch in ((self.appointments_box, 3), (self.messages_box, 2), (self.handovers_box, 2)):
            sections.addWidget(section)
            sections.setStretchFactor(sections.count() - 1, stretch)
        box = QVBoxLayout(self)
        box.addWidget(self.day_label)
        box.addWidget(sections, 1)
        box.addWidget(self.status)
        chain = (self.appointments_table, self.done_button, self.messages_table, self.handovers_table,
                 self.reasons_table)
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- reading ---------------------------------------------------------------------------
    def refresh(self) -> Future:
        """Re-read the day (on the worker); the tables change only when something did."""
        day = self.day
        return self.store.run(lambda s: read_glance(s, day), lambda glance: self._show(day, glance), self._on_error)

    def set_day(self, day: date | None) -> Future:
        """Show `day` (None: the clinic's today, following the date) and read it."""
        self.day = day
        return self.refresh()

    def _show(self, asked: date | None, glance: DayGlance) -> None:
        if asked != self.day:
            return  # another day was asked for meanwhile; its read is queued
        if tone_of(self.status) == ERROR:
            self._set_status("")
        today = clinic_today(self.tz)
        self.glance = glance
        if self._shown == (glance, today):
            return  # nothing changed: the selection and the scroll stay as they are
        self._shown = (glance, today)
        self._titles(glance)
        self._fill_appointments(glance, today)
        self._fill_messages(glance, today)
        self._fill_handovers(glance)

    def _titles(self, glance: DayGlance | None) -> None:
        """The day's name, and each section's title with how many it lists (once read)."""
        day = glance.day if glance else self.day or clinic_today(self.tz)
        today = day == clinic_today(self.tz)
        self.day_label.setText(f"{'Today, ' if today else ''}{day:%A %d %B %Y}")
        counts = ("", "", "")
        if glance:
            urgent = f", {glance.urgent_count} urgent" if glance.urgent_count else ""
            counts = (f" ({len(glance.appointments)})", f" ({len(glance.open_messages)} open{urgent})",
                      f" ({len(glance.handovers)})")
        on = "today" if today else f"on {day:%a %d %b}"
        self.appointments_box.setTitle(("Today's appointments" if today else f"Appointments {on}") + counts[0])
        self.messages_box.setTitle(f"Messages and call-backs to follow up{counts[1]}")
        self.handovers_box.setTitle(f"What the agent could not handle {on}{counts[2]}")
        for box in (self.appointments_box, self.messages_box, self.handovers_box):
            box.setAccessibleName(box.title())

    def _fill_appointments(self, glance: DayGlance, today: date) -> None:
        table = self.appointments_table
        current, scroll = table.currentRow(), table.verticalScrollBar().value()
        self.appointment_rows = [(a, c) for a in glance.appointments for c in (a.calls or (None,))]
        table.setRowCount(len(self.appointment_rows))
        muted = QColor(colour(MUTED))
        for row, (appointment, call) in enumerate(self.appointment_rows):
            first = call is None or call == appointment.calls[0]
            values = (f"{appointment.starts_at.astimezone(self.tz):%H:%M}", appointment.patient, appointment.service,
                      appointment.dentist, STATUS_WORDS.get(appointment.status, appointment.status),
                      result_words(appointment.reminder_result))
            for column, value in enumerate(values):  # a further call's row repeats them for screen readers only
                item = cell(value) if first else cell("", accessible=value)
                if appointment.status != "booked":
                    item.setForeground(muted)
                table.setItem(row, column, item)
            table.setItem(row, A_CALL, cell(call_text(call.call, self.tz, today, call.actions), OPEN_CALL_TIP)
                          if call else cell("", accessible="no call"))
        if 0 <= current < table.rowCount():
            table.setCurrentCell(current, A_CALL)
        table.verticalScrollBar().setValue(scroll)

    def _fill_messages(self, glance: DayGlance, today: date) -> None:
        table = self.messages_table
        kept, row = self.current_message(), table.currentRow()
        scroll = table.verticalScrollBar().value()
        self._filling = True
        try:
            self.messages = list(glance.open_messages)
            table.setRowCount(len(self.messages))
            bold = QFont(table.font())
            bold.setBold(True)
            for index, message in enumerate(self.messages):
                done = cell("Done", "Tick to mark this message done.")
                done.setFlags(done.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                done.setCheckState(Qt.CheckState.Unchecked)
                items = (done, cell(when_text(message.created_at, self.tz, today)), cell(message_kind(message)),
                         cell(message.caller_name or "unknown"), cell(message.caller_number or "withheld"),
                         cell(" ".join(message.text.split()), message.text))
                for column, item in enumerate(items):
                    if message.urgent:
                        item.setBackground(URGENT_BACKGROUND)
                        item.setForeground(URGENT_FOREGROUND)
                        item.setFont(bold)
                    table.setItem(index, column, item)
            if kept is not None:
                found = next((i for i, m in enumerate(self.messages) if m.id == kept.id), None)
                row = found if found is not None else min(row, len(self.messages) - 1)
            if row >= 0:
                table.setCurrentCell(row, M_TEXT)
            table.verticalScrollBar().setValue(scroll)
        finally:
            self._filling = False
        urgent = f", {glance.urgent_count} urgent" if glance.urgent_count else ""
        self.open_label.setText(f"{len(self.messages)} open{urgent}")
        self._on_current_message()

    def _fill_handovers(self, glance: DayGlance) -> None:
        table = self.handovers_table
        current, scroll = table.currentRow(), table.verticalScrollBar().value()
        table.setRowCount(len(glance.handovers))
        for row, handover in enumerate(glance.handovers):
            call = handover.call
            tip = OPEN_CALL_TIP if call else ""
            values = (f"{handover.at.astimezone(self.tz):%H:%M}", call.caller if call else "Unknown call",
                      handover.reason, handover.target, outcome_words(call.outcome) if call else "")
            for column, value in enumerate(values):
                table.setItem(row, column, cell(value, tip))
            table.setItem(row, H_SUMMARY, cell(" ".join(handover.summary.split()), handover.summary))
        if 0 <= current < table.rowCount():
            table.setCurrentCell(current, H_TIME)
        table.verticalScrollBar().setValue(scroll)
        self.reasons_table.setRowCount(len(glance.reasons))
        for row, (reason, count) in enumerate(glance.reasons):
            number = cell(str(count))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.reasons_table.setItem(row, 0, number)
            self.reasons_table.setItem(row, 1, cell(reason, reason))

    def _on_error(self, exc: Exception) -> None:
        self._set_status(f"Could not read the day at a glance: {exc}", error=True)

    # --- calls -----------------------------------------------------------------------------
    def appointment_call(self, row: int) -> AppointmentCall | None:
        """The call shown on this row of the appointments table, if any."""
        return self.appointment_rows[row][1] if 0 <= row < len(self.appointment_rows) else None

    def handover_at(self, row: int) -> Handover | None:
        """The hand-over on this row of its table."""
        handovers = self.glance.handovers if self.glance else ()
        return handovers[row] if 0 <= row < len(handovers) else None

    def _open_appointment_call(self, index: QModelIndex) -> None:
        call = self.appointment_call(index.row())
        if call is not None:
            self.open_call.emit(call.call.id)

    def _open_handover_call(self, index: QModelIndex) -> None:
        handover = self.handover_at(index.row())
        if handover is not None and handover.call is not None:
            self.open_call.emit(handover.call.id)

    # --- messages --------------------------------------------------------------------------
    def current_message(self) -> Message | None:
        """The message on the messages table's current row, if any."""
        row = self.messages_table.currentRow()
        return self.messages[row] if 0 <= row < len(self.messages) else None

    def mark_done(self, message_id: int | None = None) -> Future | None:
        """Mark a message (the current one by default) done in the store, then re-read: it
        leaves the list. None when there is no message to mark."""
        if message_id is None:
            message = self.current_message()
            if message is None:
                self._set_status("Select a message first.", error=True)
                return None
            message_id = message.id
        return self.store.run(lambda s: Messages(s.db).set_done(message_id, True), self._marked,
                              lambda exc: self._set_status(f"Could not mark the message done: {exc}", error=True))

    def _marked(self, message: Message) -> None:
        who = message.caller_name or message.caller_number or "unknown caller"
        self._set_status(f"Marked done: {message.kind} from {who}.")
        self.message_done.emit(message.id)
        self.refresh()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        """A ticked Done box marks its message done."""
        if self._filling or item.column() != M_DONE or item.checkState() != Qt.CheckState.Checked:
            return
        if 0 <= item.row() < len(self.messages):
            self.mark_done(self.messages[item.row()].id)

    def _on_current_message(self) -> None:
        """Another message is current: audited as read (once; a refresh keeping it current is not a read)."""
        message = self.current_message()
        self.done_button.setEnabled(message is not None)
        if message is not None and message.id != self._read:
            self._read = message.id
            self.audit.view("message", message.id)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        show_tone(self.status, ERROR if error else PLAIN)
