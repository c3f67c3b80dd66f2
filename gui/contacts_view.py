"""Contacts: find a patient by name or number, edit their details (reminder calls too), call
them back, see their calls, appointments and messages, and import contacts from a CSV file.
Opening a contact and each search the user runs are audited as reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.crm.call_history import outcome_words
from appliance.crm.contacts import Contact
from appliance.crm.history import ContactHistory
from gui.callback_button import CallbackButton
from gui.contacts_import import ContactsImport
from gui.read_audit import ReadAudit
from gui.service_link import ServiceLink
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, PLAIN, show_tone

SEARCH_DELAY_MS = 250  # typing pauses this long before the search runs
TIME_FORMAT = "%a %d %b %Y %H:%M"
RESULT_HEADERS = ("Name", "Phones", "Date of birth")
CALL_HEADERS = ("Started", "Outcome")
APPOINTMENT_HEADERS = ("Time", "Service", "Provider", "Status")
MESSAGE_HEADERS = ("Created", "Kind", "Text", "Status")


def local_text(moment: datetime, tz: ZoneInfo) -> str:
    """An aware time as the clinic reads it: 'Tue 03 Nov 2026 14:30'."""
    return moment.astimezone(tz).strftime(TIME_FORMAT)


@dataclass(frozen=True)
class HistoryRows:
    """One contact's history as table rows (built on the store thread, shown on the GUI thread)."""

    contact_id: int | None
    calls: list[tuple[str, ...]]
    appointments: list[tuple[str, ...]]
    messages: list[tuple[str, ...]]


NO_HISTORY = HistoryRows(None, [], [], [])


def read_history(store: Store, contact_id: int) -> HistoryRows:
    """The contact's calls and messages (newest first) and booked appointments (soonest first),
    in clinic time."""
    contact = store.contacts.get(contact_id)
    history = ContactHistory(store.contacts)
    services = {s.id: s.name for s in store.schedule.services()}
    providers = {p.id: p.name for p in store.schedule.providers()}
    calls = [(local_text(c.started_at, store.tz), outcome_words(c.outcome)) for c in history.calls(contact)]
    appointments = [(local_text(a.starts_at, store.tz), services.get(a.service_id, f"service {a.service_id}"),
                     providers.get(a.provider_id, f"provider {a.provider_id}"), a.status.title())
                    for a in store.appointments.for_contact(contact_id)]
    messages = [(local_text(m.created_at, store.tz), m.kind.title(), m.text, m.status.title())
                for m in history.messages(contact)]
    return HistoryRows(contact_id, calls, appointments, messages)


def make_table(headers: Sequence[str], name: str, key: str) -> QTableWidget:
    """A read-only table selecting whole rows, its last column stretched; `name` for screen readers,
    `key` the object name its column widths are remembered by; Tab leaves it."""
    table = QTableWidget(0, len(headers), objectName=key, accessibleName=name, tabKeyNavigation=False)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    """Replace the table's rows with these texts."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)


class ContactForm(QWidget):
    """The editable details of one contact; `submitted` when Enter is pressed in a one-line field."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit()
        self.phones = QLineEdit(placeholderText="+15551234567, 555 765 4321")
        self.date_of_birth = QLineEdit(placeholderText="YYYY-MM-DD")
        self.email = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(90)
        self.reminder_calls = QCheckBox("Gets &reminder calls", checked=True,
                                        toolTip="Untick when the patient asked not to be called about appointments")
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, field in (("N&ame:", self.name), ("&Phones:", self.phones), ("Date of &birth:", self.date_of_birth),
                             ("&Email:", self.email), ("No&tes:", self.notes)):
            layout.addRow(label, field)
        layout.addRow("", self.reminder_calls)
        for field in (self.name, self.phones, self.date_of_birth, self.email):
            field.returnPressed.connect(self.submitted)

    def show_contact(self, contact: Contact | None) -> None:
        """Fill the fields from `contact`, or empty them for a new one."""
        self.name.setText(contact.name if contact else "")
        self.phones.setText(", ".join(contact.phones) if contact else "")
        self.date_of_birth.setText((contact.date_of_birth or "") if contact else "")
        self.email.setText(contact.email if contact else "")
        self.notes.setPlainText(contact.notes if contact else "")
        self.reminder_calls.setChecked(contact.reminder_calls if contact else True)

    def values(self) -> dict[str, object]:
        """The fields as `Contacts.update` takes them."""
        return {"name": self.name.text(),
                "phones": [p.strip() for p in self.phones.text().split(",") if p.strip()],
                "date_of_birth": self.date_of_birth.text().strip() or None,
                "email": self.email.text().strip(),
                "notes": self.notes.toPlainText(),
                "reminder_calls": self.reminder_calls.isChecked()}


class ContactsView(QWidget):
    """Search contacts as you type, edit the selected one (or a new one), call it back on its first
    phone, read its history, and import contacts from CSV (`importer`)."""

    def __init__(self, store: StoreWorker, link: ServiceLink, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.config = config
        self.audit = ReadAudit(store)
        self.editing: int | None = None  # id of the contact in the form; None for a new one
        self.search = QLineEdit(placeholderText="Name or phone number", clearButtonEnabled=True)
        self.results = make_table(RESULT_HEADERS, "Contacts found", "contacts_found")
        self.result_count = QLabel()
        self.new_button = QPushButton("Ne&w contact")
        self.importer = ContactsImport(store)
        self.importer.imported.connect(self.refresh)
        self.form = ContactForm()
        self.save_button = QPushButton("Sa&ve")
        self.status = QLabel(wordWrap=True)
        self.callback_button = CallbackButton(link, config.crm, "Call bac&k")
        self.calls, self.appointments, self.messages = (
            make_table(headers, name, f"contact_{name.lower().replace(' ', '_')}") for headers, name in (
                (CALL_HEADERS, "Their calls"), (APPOINTMENT_HEADERS, "Their appointments"),
                (MESSAGE_HEADERS, "Their messages")))
        self.history = QTabWidget()
        for table in (self.calls, self.appointments, self.messages):
            self.history.addTab(table, "")
        self._show_history(NO_HISTORY)
        self._layout()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self.search_now)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._go_to_results)
        self.results.itemSelectionChanged.connect(self._on_selected)
        self.new_button.clicked.connect(self.new_contact)
        self.save_button.clicked.connect(self.save)
        self.form.submitted.connect(self.save)
        for keys, action in (("Ctrl+S", self.save), ("Ctrl+N", self.new_contact)):
            QShortcut(QKeySequence(keys), self, action).setContext(Qt.WidgetWithChildrenShortcut)

    def _layout(self) -> None:
        search_label = QLabel("Searc&h:", buddy=self.search)
        left = QWidget()
        left_box = QVBoxLayout(left)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search)
        left_box.addLayout(search_row)
        left_box.addWidget(self.results)
        left_box.addWidget(self.result_count)
        left_box.addWidget(self.new_button)
        left_box.addWidget(self.importer)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.addWidget(self.form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        right_box.addLayout(buttons)
        callback = QHBoxLayout()
        callback.addWidget(self.callback_button)
        callback.addWidget(self.callback_button.status, 1)
        right_box.addLayout(callback)
        right_box.addWidget(QLabel("<b>History</b>"))
        right_box.addWidget(self.history, 1)
        splitter = QSplitter(objectName="contacts_split")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 680])
        QVBoxLayout(self).addWidget(splitter)

    def refresh(self) -> None:
        """Run the search again and re-read the selected contact's history (not audited: the
        user asked for nothing new)."""
        self._run_search(audited=False)
        if self.editing is not None:
            self._load_history(self.editing)

    def search_now(self) -> None:
        """Run the search the user typed; the contacts it lists are audited as read (a search
        with an empty box lists the contacts as every refresh does, and is not)."""
        self._search_timer.stop()
        self._run_search(audited=True)

    def _run_search(self, audited: bool) -> None:
        text = self.search.text()
        self.store.run(lambda s: s.contacts.search(text), lambda found: self._show_results(text, found, audited),
                       self._show_error)

    def new_contact(self) -> None:
        """Empty the form for a new contact (saved with Save)."""
        with QSignalBlocker(self.results):
            self.results.clearSelection()
        self._edit(None)
        self._show_history(NO_HISTORY)
        self._set_status("New contact: fill in the details and save (Ctrl+S).")
        self.form.name.setFocus()

    def save(self) -> None:
        """Store the form: update the contact being edited, or add a new one."""
        values, contact_id = self.form.values(), self.editing

        def work(store: Store) -> Contact:
            if contact_id is not None:
                return store.contacts.update(contact_id, **values)
            reminder_calls = values.pop("reminder_calls")
            contact = store.contacts.add(**values)
            return contact if reminder_calls else store.contacts.update(contact.id, reminder_calls=False)
        self.store.run(work, self._saved, self._show_error)

    def selected_contact(self) -> Contact | None:
        """The contact selected in the results, if any."""
        rows = self.results.selectionModel().selectedRows()
        return self.results.item(rows[0].row(), 0).data(Qt.UserRole) if rows else None

    def _show_results(self, text: str, found: list[Contact], audited: bool) -> None:
        if text != self.search.text():
            return  # the user typed on; a newer search is queued
        if audited and text.strip():
            self.audit.search("contact", [c.id for c in found])
        with QSignalBlocker(self.results):
            fill_table(self.results, [(c.name, ", ".join(c.phones), c.date_of_birth or "") for c in found])
            for row, contact in enumerate(found):
                self.results.item(row, 0).setData(Qt.UserRole, contact)
                if contact.id == self.editing:
                    self.results.selectRow(row)
        self.result_count.setText(f"{len(found)} contact(s)" if found else f"No contact matches {text!r}.")

    def _go_to_results(self) -> None:
        self.search_now()
        self.results.setFocus()

    def _on_selected(self) -> None:
        contact = self.selected_contact()
        if contact is None:
            return
        self._edit(contact)
        self._set_status("")
        self._load_history(contact.id)
        self.audit.view("contact", contact.id)  # after the read: a busy store delays only the audit

    def _load_history(self, contact_id: int) -> None:
        self.store.run(lambda s: read_history(s, contact_id), self._show_history, self._show_error)

    def _show_history(self, rows: HistoryRows) -> None:
        if rows.contact_id != self.editing:
            return  # another contact was selected meanwhile
        for index, (title, table, content) in enumerate((("&Calls", self.calls, rows.calls),
                                                         ("Appo&intments", self.appointments, rows.appointments),
                                                         ("Messa&ges", self.messages, rows.messages))):
            fill_table(table, content)
            self.history.setTabText(index, f"{title} ({len(content)})")

    def _edit(self, contact: Contact | None) -> None:
        """Put `contact` (None: a new one) in the form; a call back goes to its first phone."""
        self.editing = contact.id if contact else None
        self.form.show_contact(contact)
        self.callback_button.set_target(contact.phones[0] if contact and contact.phones else "")

    def _saved(self, contact: Contact) -> None:
        self._edit(contact)
        self._set_status(f"Saved {contact.name}.")
        self.refresh()

    def _show_error(self, exc: Exception) -> None:
        self._set_status(str(exc), error=True)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        show_tone(self.status, ERROR if error else PLAIN)

