"""Providers, services and weekly opening hours, read and changed in the store through `Schedule`."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.schedule import WEEKDAYS, Provider, Service
from appliance.errors import ApplianceError
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, OK, show_tone


@dataclass(frozen=True)
class ScheduleSnapshot:
    """What the panel shows: providers, services with who offers them, one week of opening hours."""

    providers: list[Provider]
    services: list[tuple[Service, list[str]]]
    hours: dict[int, list[tuple[str, str]]]
    hours_of: int | None  # the provider whose hours these are; None: the clinic's


def read_schedule(store: Store, hours_of: int | None) -> ScheduleSnapshot:
    """Read the snapshot (on the store worker)."""
    schedule = store.schedule
    services = [(s, [p.name for p in schedule.providers(s.id)]) for s in schedule.services()]
    return ScheduleSnapshot(schedule.providers(), services, schedule.weekly_hours(hours_of), hours_of)


def readable(exc: Exception) -> str:
    """A store error as the receptionist should read it."""
    if isinstance(exc, ApplianceError):
        return exc.args[0]
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
        return "that name is already taken: pick another"
    return str(exc)


def week_text(snapshot: ScheduleSnapshot, weekday: int) -> str:
    """One weekday's opening periods as a cell shows them."""
    periods = snapshot.hours.get(weekday)
    if periods:
        return ", ".join(f"{opens}-{closes}" for opens, closes in periods)
    if snapshot.hours_of is not None and not snapshot.hours:
        return "the clinic's hours"
    return "Closed"


def fill_table(table: QTableWidget, rows: list[list[str]]) -> None:
    """Replace the table's rows, keeping the current row where it still exists."""
    current = table.currentRow()
    table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))
    if 0 <= current < len(rows):
        table.setCurrentCell(current, 0)


def read_only_table(headers: list[str], name: str) -> QTableWidget:
    """A table that shows rows and selects whole ones; Tab moves on past it; `name` for screen readers."""
    table = QTableWidget(0, len(headers), accessibleName=name, tabKeyNavigation=False)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().hide()
    return table


def refill_choices(box: QComboBox, first: str, providers: list[Provider]) -> None:
    """`first` (meaning none in particular) and each provider, keeping the selection and staying quiet."""
    selected = box.currentData()
    box.blockSignals(True)
    box.clear()
    box.addItem(first, None)
    for provider in providers:
        box.addItem(provider.name, provider.id)
    box.setCurrentIndex(max(box.findData(selected), 0))
    box.blockSignals(False)


class SchedulePanel(QWidget):
    """Add providers and services; set each weekday's opening hours for the clinic or one provider."""

    def __init__(self, store: StoreWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.status = QLabel()
        self.status.setWordWrap(True)
        boxes = QHBoxLayout()
        boxes.addWidget(self._providers_box(), 2)
        boxes.addWidget(self._services_box(), 3)
        boxes.addWidget(self._hours_box(), 3)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes, 1)
        layout.addWidget(self.status)

    def _providers_box(self) -> QGroupBox:
        self.providers = read_only_table(["Name", "Role"], "Providers")
        self.providers.setObjectName("providers_table")
        self.provider_name = QLineEdit(placeholderText="e.g. Dr. Chen")
        self.provider_role = QLineEdit("dentist")
        self.add_provider_button = QPushButton("Add &provider")
        self.add_provider_button.clicked.connect(self.add_provider)
        self.provider_name.returnPressed.connect(self.add_provider)
        return self._group("Providers", self.providers, [("Name:", self.provider_name), ("Role:", self.provider_role),
                                                          ("", self.add_provider_button)])

    def _services_box(self) -> QGroupBox:
        self.services = read_only_table(["Service", "Minutes", "Offered by"], "Services")
        self.services.setObjectName("services_table")
        self.service_name = QLineEdit(placeholderText="e.g. whitening")
        self.service_minutes = QSpinBox(minimum=1, maximum=999, value=30, suffix=" min")
        self.service_offered_by = QComboBox()
        self.service_offered_by.addItem("All providers", None)
        self.add_service_button = QPushButton("Add ser&vice")
        self.add_service_button.clicked.connect(self.add_service)
        self.service_name.returnPressed.connect(self.add_service)
        return self._group("Services", self.services, [
            ("Service:", self.service_name), ("Length:", self.service_minutes),
            ("Offered by:", self.service_offered_by), ("", self.add_service_button)])

    def _hours_box(self) -> QGroupBox:
        self.hours_for = QComboBox()
        self.hours_for.addItem("The clinic", None)
        self.hours_for.currentIndexChanged.connect(self.refresh)
        self.hours = read_only_table(["Day", "Opening hours"], "Opening hours")
        self.hours.setObjectName("hours_table")
        self.hours.currentCellChanged.connect(self._pick_day)
        self.hours_day = QComboBox()
        self.hours_day.addItems([day.capitalize() for day in WEEKDAYS])
        self.opens, self.closes = QLineEdit("08:00"), QLineEdit("18:00")
        self.opens.setAccessibleName("Opens at")
        self.closes.setAccessibleName("Closes at")
        for edit in (self.opens, self.closes):
            edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("00:00") * 2 + 16)
            edit.returnPressed.connect(self.set_hours)
        self.set_hours_button = QPushButton("Set &hours")
        self.set_hours_button.setToolTip("The day's opening hours become these (one period)")
        self.add_period_button = QPushButton("Add per&iod")
        self.add_period_button.setToolTip("Add a second period, e.g. after a lunch break")
        self.closed_button = QPushButton("Closed all da&y")
        self.set_hours_button.clicked.connect(self.set_hours)
        self.add_period_button.clicked.connect(self.add_period)
        self.closed_button.clicked.connect(self.close_day)
        times, buttons = QHBoxLayout(), QHBoxLayout()
        for widget in (self.opens, QLabel("to"), self.closes):
            times.addWidget(widget)
        times.addStretch()
        for button in (self.set_hours_button, self.add_period_button, self.closed_button):
            buttons.addWidget(button)
        box = self._group("Opening hours", self.hours, [("Day:", self.hours_day), ("From:", times), ("", buttons)])
        box.layout().insertRow(0, "&Whose hours:", self.hours_for)
        return box

    @staticmethod
    def _group(title: str, table: QTableWidget, rows: list[tuple[str, QWidget | QLayout]]) -> QGroupBox:
        """A box: the table, then a form of labelled inputs (a label's text names its input for screen readers)."""
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.addRow(table)
        for label, field in rows:
            if label:
                form.addRow(label, field)
            else:
                form.addRow(field)
        return box

    def refresh(self) -> Future:
        """Re-read providers, services and the shown week's hours (on the store worker)."""
        hours_of = self.hours_for.currentData()
        return self.store.run(lambda store: read_schedule(store, hours_of), self._show,
                              lambda exc: self._say(f"Cannot read the schedule: {readable(exc)}", error=True))

    def _show(self, snapshot: ScheduleSnapshot) -> None:
        fill_table(self.providers, [[p.name, p.role] for p in snapshot.providers])
        fill_table(self.services, [[s.name, str(s.duration_min), ", ".join(names)]
                                   for s, names in snapshot.services])
        refill_choices(self.service_offered_by, "All providers", snapshot.providers)
        refill_choices(self.hours_for, "The clinic", snapshot.providers)
        if snapshot.hours_of == self.hours_for.currentData():
            fill_table(self.hours, [[day.capitalize(), week_text(snapshot, index)]
                                    for index, day in enumerate(WEEKDAYS)])

    def _pick_day(self, row: int) -> None:
        if row >= 0:
            self.hours_day.setCurrentIndex(row)

    def add_provider(self) -> Future | None:
        """Add the typed provider."""
        name, role = self.provider_name.text().strip(), self.provider_role.text().strip() or "dentist"
        if not name:
            self._say("Type the provider's name first.", error=True)
            return None
        return self._change(lambda s: s.schedule.add_provider(name, role), f"Added {name}.", self.provider_name)

    def add_service(self) -> Future | None:
        """Add the typed service, offered by the chosen provider (or all)."""
        name, minutes = self.service_name.text().strip(), self.service_minutes.value()
        offered_by = self.service_offered_by.currentData()
        if not name:
            self._say("Type the service's name first.", error=True)
            return None
        providers = None if offered_by is None else [offered_by]
        return self._change(lambda s: s.schedule.add_service(name, minutes, providers),
                            f"Added {name} ({minutes} min).", self.service_name)

    def set_hours(self) -> Future:
        """The chosen weekday's hours become `opens`-`closes`."""
        day, opens, closes, who = self._hours_input()
        return self._change(lambda s: s.schedule.replace_hours(day, [(opens, closes)], who),
                            f"{WEEKDAYS[day].capitalize()}: open {opens}-{closes}.")

    def add_period(self) -> Future:
        """Add `opens`-`closes` to the chosen weekday's hours (a split day)."""
        day, opens, closes, who = self._hours_input()
        return self._change(lambda s: s.schedule.set_hours(day, opens, closes, who),
                            f"{WEEKDAYS[day].capitalize()}: added {opens}-{closes}.")

    def close_day(self) -> Future:
        """No opening hours on the chosen weekday."""
        day, _, _, who = self._hours_input()
        return self._change(lambda s: s.schedule.replace_hours(day, [], who),
                            f"{WEEKDAYS[day].capitalize()}: closed.")

    def _hours_input(self) -> tuple[int, str, str, int | None]:
        return (self.hours_day.currentIndex(), self.opens.text().strip(), self.closes.text().strip(),
                self.hours_for.currentData())

    def _change(self, change: Callable[[Store], object], done: str, clear: QLineEdit | None = None) -> Future:
        def on_done(_: object) -> None:
            if clear is not None:
                clear.clear()
            self._say(done)
            self.refresh()
        return self.store.run(change, on_done, lambda exc: self._say(f"Not changed: {readable(exc)}", error=True))

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        show_tone(self.status, ERROR if error else OK)
