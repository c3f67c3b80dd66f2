"""The calendar: a day or week time grid per provider with the booked appointments and the free
times, booking, moving and cancelling by hand, and ICS / CSV exports (off the window's thread,
with progress and Cancel). Opening hours, free times and the no-double-booking rule all come from
the crm layer."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.crm import exports
from appliance.crm.appointments import Appointment
from appliance.crm.contacts import Contact
from appliance.crm.schedule import Provider
from gui.calendar_dialogs import (
    DATE_FORMAT,
    AppointmentDialog,
    BookingDialog,
    BookingRequest,
    FormError,
    MoveDialog,
    alive,
    readable,
)
from gui.calendar_grid import (
    CalendarData,
    Cell,
    Entry,
    entry_lines,
    grid_cells,
    load_calendar,
    reminder_text,
    time_rows,
)
from gui.long_job import JobPanel, LongJob, run_on_store
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, PLAIN, show_tone

COLORS = {"free": "#d6f5d6", "open": "#ffffff", "closed": "#e2e2e2", "booked": "#cfe0ff", "starts": "#9fc0f0"}
INK = "#1a1a1a"  # text on those light cells, in the dark look too
SOURCE_WORDS = {"phone_agent": "the phone agent", "front_desk": "the front desk", "import": "an import"}


class CalendarView(QWidget):
    """The front desk's calendar: a day or week grid of one provider (or all side by side).

    Signals: `loaded` after each grid update, `appointments_changed` after a booking, move or
    cancellation made here. The dialog being shown (if any) is `dialog`."""

    loaded = Signal()
    appointments_changed = Signal()

    def __init__(self, store: StoreWorker, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.config = config
        self.tz = ZoneInfo(config.clinic.timezone)
        self.data: CalendarData | None = None
        self.cells: list[list[Cell]] = []
        self.dialog: AppointmentDialog | None = None
        self._generation = 0
        self._build()
        self.date_edit.setDate(self._qdate(self.today()))
        self.date_edit.dateChanged.connect(self.refresh)
        self.week_button.toggled.connect(self.refresh)
        self.provider_combo.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: bold")
        self.previous_button = QPushButton("◀ Previous", toolTip="Alt+Left")
        self.today_button = QPushButton("&Today")
        self.next_button = QPushButton("Next ▶", toolTip="Alt+Right")
        self.date_edit = QDateEdit(calendarPopup=True, displayFormat=DATE_FORMAT)
        self.day_button = QRadioButton("Da&y", checked=True)
        self.week_button = QRadioButton("&Week")
        self.provider_combo = QComboBox()
        self.provider_combo.addItem("All providers", None)
        self.table = QTableWidget(editTriggers=QAbstractItemView.NoEditTriggers, wordWrap=False,
                                  selectionMode=QAbstractItemView.SingleSelection, tabKeyNavigation=False,
                                  objectName="calendar_grid", accessibleName="Appointments and free times")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.book_button = QPushButton("&Book...", toolTip="Ctrl+B or Enter on a free time")
        self.move_button = QPushButton("Mo&ve...", toolTip="Enter on an appointment")
        self.cancel_button = QPushButton("Cancel a&ppointment", toolTip="Delete")
        self.ics_button = QPushButton("Export &ICS...")
        self.csv_button = QPushButton("Export &CSV...")
        self.export_panel = JobPanel("&Cancel export")  # Export CSV is off while it runs: its C is free
        self.export_panel.busy_changed.connect(self._exporting)
        self.status = QLabel(wordWrap=True)
        keys = (("free", "free"), ("starts", "booked"), ("open", "open, no room"), ("closed", "closed"))
        legend = QLabel(" ".join(f"<span style='background:{COLORS[k]}; color:{INK}'>&nbsp;{words}&nbsp;</span>"
                                 for k, words in keys) + " &nbsp;☎ booked by the phone agent")
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(lambda: self.show_day(self.today()))
        self.book_button.clicked.connect(self.book)
        self.move_button.clicked.connect(self.move)
        self.cancel_button.clicked.connect(self.cancel_appointment)
        self.ics_button.clicked.connect(self.export_ics)
        self.csv_button.clicked.connect(self.export_csv)
        self.table.activated.connect(lambda: self.move() if self.selected_entry() else self.book())
        self.table.currentCellChanged.connect(self._update_buttons)
        for keys, action, parent, context in (
                ("Alt+Left", lambda: self.step(-1), self, Qt.WidgetWithChildrenShortcut),
                ("Alt+Right", lambda: self.step(1), self, Qt.WidgetWithChildrenShortcut),
                ("Ctrl+B", self.book, self, Qt.WidgetWithChildrenShortcut),
                (QKeySequence.Delete, self.cancel_appointment, self.table, Qt.WidgetShortcut)):
            QShortcut(QKeySequence(keys), parent, action, context)
        self._lay_out(legend)

    def _lay_out(self, legend: QLabel) -> None:
        top = QHBoxLayout()
        date_label = QLabel("Dat&e:", buddy=self.date_edit)
        provider_label = QLabel("P&rovider:", buddy=self.provider_combo)
        for widget in (self.previous_button, self.today_button, self.next_button, date_label, self.date_edit,
                       self.day_button, self.week_button, provider_label, self.provider_combo):
            top.addWidget(widget)
        top.addStretch()
        actions = QHBoxLayout()
        for widget in (self.book_button, self.move_button, self.cancel_button):
            actions.addWidget(widget)
        actions.addStretch()
        actions.addWidget(self.ics_button)
        actions.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(legend)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.export_panel)
        layout.addWidget(self.status)
        QWidget.setTabOrder(self.provider_combo, self.table)
        QWidget.setTabOrder(self.table, self.book_button)

    # navigation

    def today(self) -> date:
        """Today in the clinic's time zone."""
        return datetime.now(self.tz).date()

    def shown_days(self) -> tuple[date, ...]:
        """The chosen day, or Monday to Sunday of its week in week view."""
        day = self.date_edit.date().toPython()
        if not self.week_button.isChecked():
            return (day,)
        monday = day - timedelta(days=day.weekday())
        return tuple(monday + timedelta(days=n) for n in range(7))

    def show_day(self, day: date) -> None:
        """Show `day` (its week in week view)."""
        self.date_edit.setDate(self._qdate(day))

    def step(self, direction: int) -> None:
        """One day (or week) back (-1) or on (+1)."""
        days = 7 if self.week_button.isChecked() else 1
        self.show_day(self.date_edit.date().toPython() + timedelta(days=days * direction))

    @staticmethod
    def _qdate(day: date) -> QDate:
        return QDate(day.year, day.month, day.day)

    # reading and drawing

    def refresh(self) -> Future:
        """Re-read the shown days from the store, keeping the selected cell and the scroll position."""
        self._generation += 1
        generation, days, provider_id = self._generation, self.shown_days(), self.provider_combo.currentData()
        return self.store.run(lambda store: load_calendar(store, days, provider_id),
                              partial(self._show, generation),
                              lambda exc: self._warn(f"Could not read the calendar: {readable(exc)}"))

    def _show(self, generation: int, data: CalendarData) -> None:
        if generation != self._generation:
            return  # a newer read is on its way
        current = self.current_cell()
        position = self.table.currentRow(), self.table.currentColumn()
        scroll = self.table.verticalScrollBar().value()
        self.data = data
        self._fill_providers(data.choices.providers)
        rows = time_rows(data, self.tz)
        self.cells = grid_cells(data, rows, self.tz)
        self._paint(rows)
        keys = [(r, c) for r, line in enumerate(self.cells) for c, cell in enumerate(line)
                if current and cell.key() == current.key()]
        row, column = keys[0] if keys else position
        if 0 <= row < len(rows) and 0 <= column < self.table.columnCount():
            self.table.setCurrentCell(row, column)
        self.table.verticalScrollBar().setValue(scroll)
        self._update_buttons()
        self.loaded.emit()

    def _fill_providers(self, providers: tuple[Provider, ...]) -> None:
        ids = [self.provider_combo.itemData(i) for i in range(1, self.provider_combo.count())]
        if ids == [p.id for p in providers]:
            return
        chosen = self.provider_combo.currentData()
        self.provider_combo.blockSignals(True)
        self.provider_combo.clear()
        self.provider_combo.addItem("All providers", None)
        for provider in providers:
            self.provider_combo.addItem(provider.name, provider.id)
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(chosen)))
        self.provider_combo.blockSignals(False)
        if self.provider_combo.currentData() != chosen:
            self.refresh()

    def _paint(self, rows: list[str]) -> None:
        data, table = self.data, self.table
        columns = data.columns()
        table.clear()
        table.setRowCount(len(rows))
        table.setColumnCount(len(columns))
        table.setVerticalHeaderLabels(rows)
        for index, (day, provider) in enumerate(columns):
            words = [f"{day:%a %d %b}"] if len(data.days) > 1 else []
            words += [provider.name] if len(data.shown) > 1 or not words else []
            header = QTableWidgetItem("\n".join(words))
            if day == self.today():
                header.setFont(QFont(header.font().family(), -1, QFont.Bold))
            table.setHorizontalHeaderItem(index, header)
        for r, line in enumerate(self.cells):
            for c, cell in enumerate(line):
                table.setItem(r, c, self._item(cell))
        provider = self.provider_combo.currentText() if self.provider_combo.currentData() else "all providers"
        when = f"Week of {data.days[0]:%A %d %B %Y}" if len(data.days) > 1 else f"{data.days[0]:%A %d %B %Y}"
        self.title.setText(f"{when} — {provider}" + ("" if rows else " — closed"))

    def _item(self, cell: Cell) -> QTableWidgetItem:
        item = QTableWidgetItem(cell.text)
        item.setBackground(QColor(COLORS["starts" if cell.first else cell.state]))
        item.setForeground(QColor(INK))
        if cell.first:
            item.setFont(QFont(item.font().family(), -1, QFont.Bold))
        tips = []
        for entry in cell.entries:
            when, _ = entry_lines(entry, self.tz)
            reminder = f"\n{reminder_text(entry.reminder)}" if entry.reminder else ""
            tips.append(f"{when}\n{entry.service} with {self.data.choices.provider_name(entry.appointment.provider_id)}"
                        f"\nbooked by {SOURCE_WORDS.get(entry.appointment.source, entry.appointment.source)}{reminder}")
        item.setToolTip("\n\n".join(tips) or {"free": "Free", "open": "Open, but too short for any service",
                                              "closed": "Closed"}[cell.state])
        return item

    def current_cell(self) -> Cell | None:
        """The selected cell, if any."""
        row, column = self.table.currentRow(), self.table.currentColumn()
        if 0 <= row < len(self.cells) and 0 <= column < len(self.cells[row]):
            return self.cells[row][column]
        return None

    def selected_entry(self) -> Entry | None:
        """The appointment in the selected cell, if any."""
        cell = self.current_cell()
        return cell.entries[0] if cell and cell.entries else None

    def _update_buttons(self) -> None:
        self.book_button.setEnabled(self.data is not None)
        for button in (self.move_button, self.cancel_button):
            button.setEnabled(self.selected_entry() is not None)

    def _say(self, text: str) -> None:
        show_tone(self.status, PLAIN)
        self.status.setText(text)

    def _warn(self, text: str) -> None:
        show_tone(self.status, ERROR)
        self.status.setText(text)

    def _describe(self, appointment: Appointment, patient: str) -> str:
        choices = self.data.choices
        return (f"{patient}, {choices.service_name(appointment.service_id)} with "
                f"{choices.provider_name(appointment.provider_id)} on "
                f"{appointment.starts_at.astimezone(self.tz):%a %d %b %H:%M}")

    # booking, moving, cancelling

    def booking_dialog(self) -> BookingDialog:
        """A booking dialog pre-filled from the selected cell (built, not shown)."""
        cell = self.current_cell()
        day = cell.day if cell else self.shown_days()[0]
        hhmm = cell.hhmm if cell else (self.cells[0][0].hhmm if self.cells else "09:00")
        provider_id = cell.provider_id if cell else self.provider_combo.currentData()
        dialog = BookingDialog(self.store, self.data.choices, self.tz, day, hhmm, provider_id, self)
        dialog.submitted.connect(lambda: self.apply_booking(dialog))
        return dialog

    def book(self) -> BookingDialog | None:
        """Open the booking dialog for the selected cell."""
        if self.data is None:
            self._warn("The calendar is still loading.")
            return None
        return self._open(self.booking_dialog())

    def apply_booking(self, dialog: BookingDialog) -> Future | None:
        """Save what the booking dialog holds (adding a new patient first)."""
        try:
            request = dialog.request()
        except FormError as exc:
            dialog.show_error(str(exc))
            return None
        dialog.set_busy(True)
        if request.contact_id is not None:
            return self._book(dialog, request)
        phones = [request.phone] if request.phone else []
        return self.store.run(lambda store: store.contacts.add(request.patient, phones, actor="front_desk"),
                              partial(self._patient_added, dialog, request), partial(self._failed, dialog))

    def _patient_added(self, dialog: BookingDialog, request: BookingRequest, contact: Contact) -> None:
        if alive(dialog):
            dialog.use_patient(contact)
        self._book(dialog, replace(request, contact_id=contact.id))

    def _book(self, dialog: BookingDialog, request: BookingRequest) -> Future:
        return self.store.run(
            lambda store: store.appointments.book(request.contact_id, request.provider_id, request.service_id,
                                                  request.starts_at, source="front_desk", actor="front_desk"),
            partial(self._done, dialog, "Booked", request.patient), partial(self._failed, dialog))

    def move_dialog(self) -> MoveDialog | None:
        """A move dialog for the selected appointment (built, not shown); None without one."""
        entry = self.selected_entry()
        if entry is None:
            return None
        dialog = MoveDialog(entry, self.data.choices, self.tz, self)
        dialog.submitted.connect(lambda: self.apply_move(dialog))
        return dialog

    def move(self) -> MoveDialog | None:
        """Open the move dialog for the selected appointment."""
        dialog = self.move_dialog()
        if dialog is None:
            self._warn("Select an appointment to move.")
            return None
        return self._open(dialog)

    def apply_move(self, dialog: MoveDialog) -> Future | None:
        """Move the appointment as the dialog says (refused when someone changed it meanwhile)."""
        try:
            starts_at, provider_id = dialog.target()
        except FormError as exc:
            dialog.show_error(str(exc))
            return None
        dialog.set_busy(True)
        appointment = dialog.entry.appointment
        return self.store.run(
            lambda store: store.appointments.reschedule(appointment.id, starts_at, provider_id,
                                                        expected_version=appointment.version, actor="front_desk"),
            partial(self._done, dialog, "Moved", dialog.entry.patient), partial(self._failed, dialog))

    def cancel_appointment(self) -> Future | None:
        """Cancel the selected appointment after a confirmation."""
        entry = self.selected_entry()
        if entry is None:
            self._warn("Select an appointment to cancel.")
            return None
        appointment = entry.appointment
        answer = QMessageBox.question(self, "Cancel appointment",
                                      f"Cancel the appointment of {self._describe(appointment, entry.patient)}?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer != QMessageBox.Yes:
            return None
        return self.store.run(
            lambda store: store.appointments.cancel(appointment.id, appointment.version,
                                                    reason="cancelled at the front desk", actor="front_desk"),
            partial(self._done, None, "Cancelled", entry.patient), partial(self._failed, None))

    def _open(self, dialog: AppointmentDialog) -> AppointmentDialog:
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _done(self, dialog: AppointmentDialog | None, verb: str, patient: str, appointment: Appointment) -> None:
        self._say(f"{verb}: {self._describe(appointment, patient)}.")
        if dialog is not None and alive(dialog):
            dialog.accept()
        self.appointments_changed.emit()
        day = appointment.starts_at.astimezone(self.tz).date()
        if day in self.shown_days():
            self.refresh()
        else:
            self.show_day(day)

    def _failed(self, dialog: AppointmentDialog | None, exc: Exception) -> None:
        if dialog is not None and alive(dialog) and dialog.isVisible():
            dialog.show_error(readable(exc))
        else:
            self._warn(readable(exc))
        self.refresh()  # show what the store holds now (a slot just taken, a changed appointment)

    # exports

    def export_ics(self) -> Future | None:
        """Save the chosen provider's (or everyone's) appointments as an iCalendar file."""
        name, provider_id = self.config.clinic.name, self.provider_combo.currentData()
        return self._export("appointments.ics", "iCalendar files (*.ics)",
                            lambda store, job: exports.ics_feed(store.db, name, provider_id, job.report))

    def export_csv(self) -> Future | None:
        """Save all appointments as a CSV file."""
        return self._export("appointments.csv", "CSV files (*.csv)",
                            lambda store, job: exports.appointments_csv(store.db, job.report))

    def _export(self, filename: str, file_filter: str, render: Callable[[Store, LongJob], str]) -> Future | None:
        if self.export_panel.busy:
            return None
        path, _ = QFileDialog.getSaveFileName(self, "Export appointments", str(Path.home() / filename), file_filter)
        if not path:
            return None
        job = self.export_panel.watch(LongJob("Exporting appointments", lambda saved: f"Saved {saved}.",
                                              f"Could not save {path}", "Export cancelled: no file was saved."))
        # patient data: the file is for no other user, and is there whole or not at all
        return run_on_store(self.store, job,
                            lambda store, job: exports.save_export(Path(path), render(store, job), job.report))

    def _exporting(self, busy: bool) -> None:
        for button in (self.ics_button, self.csv_button):
            button.setEnabled(not busy)
