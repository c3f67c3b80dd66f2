"""The calendar's dialogs: booking by hand (existing or new patient) and moving an appointment.
They only collect and check the fields; the calendar view saves through the store worker. A search
for the patient is audited as a read of the contacts it lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QDate, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from appliance.crm.availability import local_instant
from appliance.crm.contacts import Contact
from appliance.crm.schedule import Provider
from appliance.errors import ApplianceError
from gui.calendar_grid import Choices, Entry
from gui.read_audit import ReadAudit
from gui.store_worker import StoreWorker
from gui.style import ERROR, show_tone

DATE_FORMAT = "ddd d MMM yyyy"


def readable(exc: Exception) -> str:
    """An error as the front desk reads it (the crm layer's message without its code)."""
    text = str(exc.args[0]) if isinstance(exc, ApplianceError) and exc.args else str(exc) or type(exc).__name__
    return text[:1].upper() + text[1:]


def alive(widget: QWidget) -> bool:
    """False once Qt has deleted the widget (a late answer from the worker must not touch it)."""
    return shiboken6.isValid(widget)


class FormError(Exception):
    """A dialog field is missing or not valid (shown in the dialog)."""


@dataclass(frozen=True)
class BookingRequest:
    """A filled-in booking dialog: an existing patient (contact_id) or a new one (name, phone)."""

    contact_id: int | None
    patient: str
    phone: str
    service_id: int
    provider_id: int
    starts_at: datetime


class AppointmentDialog(QDialog):
    """What the booking and move dialogs share: provider, date and time fields and a status line.

    OK emits `submitted` instead of closing: the view saves, then closes the dialog or shows the
    error in it, so nothing typed is lost."""

    submitted = Signal()

    def __init__(self, title: str, ok_text: str, choices: Choices, tz: ZoneInfo, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.choices = choices
        self.tz = tz
        self.provider_combo = QComboBox()
        self.date_edit = QDateEdit(calendarPopup=True, displayFormat=DATE_FORMAT)
        self.time_edit = QTimeEdit(displayFormat="HH:mm")
        self.status = QLabel(wordWrap=True)
        show_tone(self.status, ERROR)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.submitted.emit)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def add_when_rows(self, day: date, hhmm: str) -> None:
        """The provider, date and time fields, set to `day` at `hhmm`."""
        self.form.addRow("P&rovider:", self.provider_combo)
        self.form.addRow("&Date:", self.date_edit)
        self.form.addRow("T&ime:", self.time_edit)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.time_edit.setTime(QTime(*map(int, hhmm.split(":"))))

    def fill_providers(self, providers: list[Provider], selected_id: int | None) -> None:
        """Offer `providers`, keeping `selected_id` chosen when it is among them."""
        self.provider_combo.clear()
        for provider in providers:
            self.provider_combo.addItem(provider.name, provider.id)
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(selected_id)))

    def starts_at(self) -> datetime:
        """The chosen date and time in the clinic's zone."""
        day, hhmm = self.date_edit.date().toPython(), self.time_edit.time().toString("HH:mm")
        at = local_instant(day, hhmm, self.tz)
        if at is None:
            raise FormError(f"{hhmm} does not exist on {day:%d %B} (the clocks change); choose another time.")
        return at

    def provider_id(self) -> int:
        """The chosen provider."""
        if self.provider_combo.currentData() is None:
            raise FormError("Choose a provider.")
        return self.provider_combo.currentData()

    def show_error(self, text: str) -> None:
        """Show what went wrong and let the user try again."""
        self.set_busy(False)
        self.status.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While saving, OK cannot be pressed twice."""
        self.ok_button.setEnabled(not busy)
        if busy:
            self.status.clear()


class BookingDialog(AppointmentDialog):
    """Book by hand: find the patient by name or phone (or type a new one), then the service,
    provider, date and time."""

    def __init__(self, store: StoreWorker, choices: Choices, tz: ZoneInfo, day: date, hhmm: str,
                 provider_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__("Book an appointment", "&Book", choices, tz, parent)
        self.store = store
        self.audit = ReadAudit(store)
        self.found: list[Contact] = []
        self.search_edit = QLineEdit(placeholderText="name or phone number")
        self.matches = QListWidget(accessibleName="Patients found")
        self.matches.setMaximumHeight(120)
        self.new_patient = QCheckBox("&New patient")
        self.name_edit = QLineEdit()
        self.phone_edit = QLineEdit(placeholderText="optional")
        self.service_combo = QComboBox()
        for service in choices.services:
            self.service_combo.addItem(f"{service.name} ({service.duration_min} min)", service.id)
        offered = [s.id for s in choices.services if provider_id in choices.offered_by[s.id]]
        self.service_combo.setCurrentIndex(max(0, self.service_combo.findData(offered[0] if offered else None)))
        self.form.addRow("&Find patient:", self.search_edit)
        self.form.addRow(self.matches)
        self.form.addRow(self.new_patient)
        self.form.addRow("N&ame:", self.name_edit)
        self.form.addRow("&Phone:", self.phone_edit)
        self.form.addRow("&Service:", self.service_combo)
        self.add_when_rows(day, hhmm)
        self.fill_providers(choices.providers_for(self.service_combo.currentData()), provider_id)
        self.service_combo.currentIndexChanged.connect(
            lambda: self.fill_providers(choices.providers_for(self.service_combo.currentData()),
                                        self.provider_combo.currentData()))
        self._search_timer = QTimer(self, singleShot=True, interval=250, timeout=self._search)
        self.search_edit.textChanged.connect(lambda: self._search_timer.start())
        self.new_patient.toggled.connect(self._new_patient_toggled)
        self._new_patient_toggled(False)
        self.search_edit.setFocus()

    def request(self) -> BookingRequest:
        """The filled-in booking; `FormError` when something is missing."""
        if self.new_patient.isChecked():
            name, contact_id, phone = self.name_edit.text().strip(), None, self.phone_edit.text().strip()
            if not name:
                raise FormError("Type the new patient's name.")
        elif self.matches.currentRow() < 0:
            raise FormError("Find the patient and pick them in the list, or tick New patient.")
        else:
            contact = self.found[self.matches.currentRow()]
            name, contact_id, phone = contact.name, contact.id, ""
        if self.service_combo.currentData() is None:
            raise FormError("Choose a service.")
        return BookingRequest(contact_id, name, phone, self.service_combo.currentData(), self.provider_id(),
                              self.starts_at())

    def use_patient(self, contact: Contact) -> None:
        """Switch to an existing patient (after a new one was saved, so a retry does not add them twice)."""
        self.new_patient.setChecked(False)
        self.search_edit.blockSignals(True)
        self.search_edit.setText(contact.name)
        self.search_edit.blockSignals(False)
        self._show_matches(contact.name, [contact])

    def _new_patient_toggled(self, new: bool) -> None:
        for widget in (self.name_edit, self.phone_edit):
            widget.setEnabled(new)
        for widget in (self.search_edit, self.matches):
            widget.setEnabled(not new)
        (self.name_edit if new else self.search_edit).setFocus()

    def _search(self) -> None:
        text = self.search_edit.text().strip()
        if not text:
            self._show_matches(text, [])
            return
        self.store.run(lambda store: store.contacts.search(text, limit=20),
                       partial(self._show_matches, text, audited=True), self._search_failed)

    def _search_failed(self, exc: Exception) -> None:
        if alive(self):
            self.show_error(readable(exc))

    def _show_matches(self, text: str, found: list[Contact], audited: bool = False) -> None:
        """List the patients found (`audited`: as a read, the user searched for them)."""
        if not alive(self) or text != self.search_edit.text().strip():
            return
        if audited:
            self.audit.search("contact", [contact.id for contact in found])
        self.found = found
        self.matches.clear()
        for contact in found:
            born = f", born {contact.date_of_birth}" if contact.date_of_birth else ""
            self.matches.addItem(f"{contact.name} — {', '.join(contact.phones) or 'no phone'}{born}")
        if len(found) == 1:
            self.matches.setCurrentRow(0)
        self.status.setText("" if found or not text else f"No patient matches {text!r}; tick New patient to add one.")


class MoveDialog(AppointmentDialog):
    """Move one appointment to another time and/or provider."""

    def __init__(self, entry: Entry, choices: Choices, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__("Move appointment", "&Move", choices, tz, parent)
        self.entry = entry
        appointment = entry.appointment
        local = appointment.starts_at.astimezone(tz)
        self.form.addRow(QLabel(f"<b>{entry.patient}</b>: {entry.service} with "
                                f"{choices.provider_name(appointment.provider_id)}, {local:%A %d %B %H:%M}"))
        self.add_when_rows(local.date(), f"{local:%H:%M}")
        self.fill_providers(choices.providers_for(appointment.service_id), appointment.provider_id)

    def target(self) -> tuple[datetime, int]:
        """The new start and provider; `FormError` when not valid."""
        return self.starts_at(), self.provider_id()
