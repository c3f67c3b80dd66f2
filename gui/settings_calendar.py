"""The clinic's own calendar in the settings: the CalDAV server and account, which calendar holds
whose appointments, what an event says about the patient, and a connection test.

Finding calendars and testing the connection talk to the server: they run on a worker thread of
their own (never the store's), and what went wrong is shown in the words `appliance.calsync` gives."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from appliance.calsync.connection import connection_problems, discover
from appliance.calsync.server import RemoteCalendar
from appliance.config import Config
from appliance.config.calendar import CalendarConfig
from appliance.config.files import secrets_withheld
from appliance.errors import ApplianceError
from gui.settings_forms import ConfigForm, choice_box, password_placeholder
from gui.store_worker import Store, StoreWorker
from gui.style import ERROR, OK, WARNING, show_tone

log = logging.getLogger(__name__)
T = TypeVar("T")
NONE_TEXT = "(none)"
PATIENT_DETAILS = (("initials", "Initials"), ("name", "Full name"), ("none", "Service only"))
SERVER_HINT = "https://cloud.example.org/remote.php/dav"


def sentence(text: str) -> str:
    """`text` with a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def plain(exc: Exception) -> str:
    """An error of the calendar check as the clinic's IT person should read it."""
    return exc.args[0] if isinstance(exc, ApplianceError) and exc.args else str(exc) or type(exc).__name__


def same_url(a: str, b: str) -> bool:
    """Two calendar URLs name the same calendar (a trailing slash aside)."""
    return a.rstrip("/") == b.rstrip("/")


def short_url(url: str) -> str:
    """The last part of a calendar's URL, for a calendar the server did not list."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or url


class NetworkRunner(QObject):
    """`run(fn, on_done, on_error)`: `fn()` runs on a worker thread, the callbacks on the GUI thread."""

    _finished = Signal(object, object)  # callback, value

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="gui-calendar")
        self._finished.connect(lambda callback, value: callback(value))

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None],
            on_error: Callable[[Exception], None]) -> Future:
        """Queue `fn`; return its future too (tests wait on it)."""
        def work() -> T:
            try:
                value = fn()
            except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in Qt
                log.warning("calendar server request failed: %s", exc)
                self._finished.emit(on_error, exc)
                raise
            self._finished.emit(on_done, value)
            return value
        return self._pool.submit(work)

    def close(self) -> None:
        """Drop queued requests; a running one ends within the configured timeout."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class ResultLabel(QLabel):
    """Word-wrapped words whose height follows the width the form gives them (a form row takes a
    wrapped label's size hint, worked out for a narrow width: lines of empty space around it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, wordWrap=True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """As wide as QLabel likes, as high as the text needs at the width it has."""
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(self.width())) if self.width() > hint.width() else hint

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """A new width may need another number of lines."""
        super().resizeEvent(event)
        if self.heightForWidth(self.width()) != self.height():
            self.updateGeometry()


class CalendarBox(QComboBox):
    """One calendar of the account, or none; a configured calendar the server did not list is kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        self.offer([], None)

    def value(self) -> str:
        """The chosen calendar's URL; empty for none."""
        return self.currentData() or ""

    def setValue(self, url: str) -> None:  # noqa: N802 - same name as QSpinBox's
        """Choose the calendar at `url` (empty: none), adding it when it is not offered."""
        index = next((i for i in range(self.count()) if same_url(self.itemData(i), url)), -1) if url else 0
        if index < 0:
            self.addItem(url, url)
            self.setItemData(self.count() - 1, url, Qt.ItemDataRole.ToolTipRole)
            index = self.count() - 1
        self.setCurrentIndex(index)

    def offer(self, found: list[RemoteCalendar], found_on_server: bool | None) -> None:
        """Offer none and the calendars `found` (`found_on_server` None: not asked yet), keeping the choice."""
        selected = self.value() if self.count() else ""
        self.blockSignals(True)
        self.clear()
        self.addItem(NONE_TEXT, "")
        names = [c.name for c in found]
        for calendar in found:
            self.addItem(calendar.name if names.count(calendar.name) == 1 else
                         f"{calendar.name} ({short_url(calendar.url)})", calendar.url)
            self.setItemData(self.count() - 1, calendar.url, Qt.ItemDataRole.ToolTipRole)
        if selected and not any(same_url(c.url, selected) for c in found):
            self.addItem(f"{selected} (not found on the server)" if found_on_server else selected, selected)
            self.setItemData(self.count() - 1, selected, Qt.ItemDataRole.ToolTipRole)
        self.setValue(selected)
        self.blockSignals(False)


class ProviderCalendars(QWidget):
    """Each provider in the store with a drop-down of the account's calendars; the value is
    provider name -> calendar URL (a provider without one is left out)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.providers: list[str] | None = None  # until the store has been read
        self.found: list[RemoteCalendar] = []
        self.found_on_server: bool | None = None
        self.boxes: dict[str, CalendarBox] = {}
        self.chosen: dict[str, str] = {}  # kept while the rows are rebuilt
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._rebuild()

    def value(self) -> dict[str, str]:
        """Provider name -> the chosen calendar's URL."""
        return {name: box.value() for name, box in self.boxes.items() if box.value()}

    def setValue(self, calendars: dict[str, str]) -> None:  # noqa: N802 - same name as QSpinBox's
        """Show `calendars` (provider name -> URL)."""
        self.chosen = dict(calendars)
        self._rebuild()

    def set_providers(self, names: list[str]) -> None:
        """The providers in the store now, keeping the choices made."""
        if names == self.providers:
            return
        self.chosen = self.value()
        self.providers = list(names)
        self._rebuild()

    def offer(self, found: list[RemoteCalendar], found_on_server: bool | None = True) -> None:
        """Offer the calendars `found` on the server in every drop-down."""
        self.found, self.found_on_server = list(found), found_on_server
        for box in self.boxes.values():
            box.offer(self.found, found_on_server)

    def _rebuild(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.boxes = {}
        if self.providers is None:
            self.form.addRow(QLabel("Reading the providers from the store..."))
        elif not self.providers and not self.chosen:
            self.form.addRow(QLabel("No providers yet: add them under Hours and team."))
        elsewhere = [name for name in self.chosen if name not in (self.providers or [])]
        for name in [*(self.providers or []), *elsewhere]:
            box = CalendarBox()
            box.setObjectName(f"calendar for {name}")
            box.offer(self.found, self.found_on_server)
            box.setValue(self.chosen.get(name, ""))
            unknown = self.providers is not None and name not in self.providers
            if unknown:
                box.setToolTip(f"{name} is not a provider in the store: choose {NONE_TEXT} to drop this calendar")
            label = f"{name} (not in the store):" if unknown else f"{name}:"
            self.form.addRow(label.replace("&", "&&"), box)
            self.boxes[name] = box


def provider_names(store: Store) -> list[str]:
    """The providers' names (on the store worker)."""
    return [p.name for p in store.schedule.providers()]


def check_connection(config: CalendarConfig) -> tuple[str, str]:
    """(the result in words, its tone): connection_problems, or how many calendars the account has."""
    if not config.calendars and not config.shared:
        words = (f"Connected: {len(discover(config))} calendars. No calendar is chosen for any provider yet: "
                 "choose them above (after Find calendars).")
        return words, WARNING
    problems = connection_problems(config)
    if problems:
        return "\n".join(sentence(p) for p in problems), ERROR
    return f"Connected: {len(discover(config))} calendars.", OK


class CalendarForm(ConfigForm):
    """The `[calendar]` table: server, account, each provider's calendar, a shared one, the patient
    detail in events; Find calendars and Test connection ask the server on `runner`'s thread."""

    def __init__(self, store: StoreWorker, config: Config, config_path: Path, parent: QWidget | None = None) -> None:
        super().__init__("calendar", parent)
        self.store = store
        self.config = config
        self.path = config_path
        self.runner = NetworkRunner(self)
        self.add("url", "Ser&ver:", QLineEdit(placeholderText=SERVER_HINT),
                 "The CalDAV address of the clinic's calendar server (calendar.url)")
        self.add("user", "Use&r name:", QLineEdit())
        self.add("password", "Pass&word:", QLineEdit(echoMode=QLineEdit.EchoMode.Password),
                 "Kept in secrets.toml beside the settings file, never in the settings file itself")
        self.find_button = QPushButton("F&ind calendars")
        self.find_button.setToolTip("Ask the server which calendars this account has")
        self.find_button.clicked.connect(self.find_calendars)
        self.find_busy, self.find_result = self._busy_row(self.find_button)
        self.add("calendars", "Providers' calendars:", ProviderCalendars(),
                 "Each provider's appointments go to the calendar chosen here; staff's own events in it "
                 "block that provider's time")
        self.add("shared", "S&hared calendar:", CalendarBox(),
                 "Optional: one calendar for providers without their own; staff events in it block everyone")
        detail = self.add("patient_detail", "&Patient in events:", choice_box(()),
                          "What an event in the calendar says about the patient: the initials are the minimum "
                          "necessary; service only leaves the patient out")
        for value, text in PATIENT_DETAILS:
            detail.addItem(text, value)
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Log in with the server, user and password above and read the chosen calendars")
        self.test_button.clicked.connect(self.test_connection)
        self.test_busy, self.test_result = self._busy_row(self.test_button)
        note = QLabel("Saved with the other settings (Ctrl+S). Restart the service to apply saved changes.")
        note.setWordWrap(True)
        self.form.addRow(note)

    def _busy_row(self, button: QPushButton) -> tuple[QProgressBar, QLabel]:
        busy = QProgressBar(minimum=0, maximum=0, textVisible=False, visible=False)
        busy.setMaximumWidth(120)
        result = ResultLabel()
        row = QHBoxLayout()
        row.addWidget(button)
        row.addWidget(busy)
        row.addStretch()
        self.form.addRow("", row)
        self.form.addRow("", result)
        return busy, result

    # --- the config file ---------------------------------------------------------------------
    def load(self, config: Config) -> None:
        """Show `config`'s calendar settings as the ones last saved."""
        self.config = config
        super().load(config)
        self.fields["password"].setPlaceholderText(password_placeholder(config.calendar.password, self.path))
        self._say(self.find_result, "", "")
        self._say(self.test_result, "", "")

    def values(self) -> dict[str, Any]:
        """The table as edited; the password only when one was typed here (the stored one is kept)."""
        values = super().values()
        if values["password"] == self.config.calendar.password:
            del values["password"]
        return values

    def edited(self) -> CalendarConfig:
        """The calendar settings as entered, with the keys the form does not show from the file
        (`ConfigError` names a bad value)."""
        return replace(self.config.calendar, **self.values())

    # --- the store ---------------------------------------------------------------------------
    def refresh(self) -> Future:
        """Re-read the providers (on the store worker)."""
        return self.store.run(provider_names, self.fields["calendars"].set_providers,
                              lambda exc: self._say(self.find_result, f"Cannot read the providers: {plain(exc)}",
                                                    ERROR))

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Providers added under Hours and team appear when the page is shown again."""
        super().showEvent(event)
        self.refresh()

    # --- the calendar server -----------------------------------------------------------------
    def find_calendars(self) -> Future | None:
        """Ask the server for the account's calendars and offer them in the drop-downs."""
        config = self._account(self.find_result)
        if config is None:
            return None
        self._start(self.find_button, self.find_busy, self.find_result, "Finding calendars...")
        return self.runner.run(lambda: discover(replace(config, calendars={}, shared="")), self._on_found,
                               lambda exc: self._done(self.find_button, self.find_busy, self.find_result,
                                                      f"Cannot find calendars: {sentence(plain(exc))}", ERROR))

    def _on_found(self, found: list[RemoteCalendar]) -> None:
        found = sorted(found, key=lambda c: (c.name.casefold(), c.url))
        self.fields["calendars"].offer(found)
        self.fields["shared"].offer(found, True)
        if not found:
            text, tone = "The account has no calendars: make them on the server, then find again.", WARNING
        else:
            names = ", ".join(c.name for c in found)
            text = f"Found {len(found)} calendars: {names}. Choose each provider's calendar below."
            tone = OK
        self._done(self.find_button, self.find_busy, self.find_result, text, tone)

    def test_connection(self) -> Future | None:
        """Log in and read the chosen calendars; say what is wrong, or how many calendars there are."""
        config = self._account(self.test_result)
        if config is None:
            return None
        self._start(self.test_button, self.test_busy, self.test_result, "Testing...")
        return self.runner.run(lambda: check_connection(config),
                               lambda result: self._done(self.test_button, self.test_busy, self.test_result, *result),
                               lambda exc: self._done(self.test_button, self.test_busy, self.test_result,
                                                      sentence(plain(exc)), ERROR))

    def _account(self, result: QLabel) -> CalendarConfig | None:
        """The settings as entered, when the server can be asked with them; else say why not."""
        try:
            config = self.edited()
        except ApplianceError as exc:
            self._say(result, f"Not checked: {plain(exc)}", ERROR)
            return None
        if not config.url:
            self._say(result, "Type the calendar server's address first.", ERROR)
            return None
        if not config.password and config.user and secrets_withheld(self.path):
            self._say(result, "The stored password cannot be read by this user: type it to ask the server.",
                      ERROR)
            return None
        return config

    def _start(self, button: QPushButton, busy: QProgressBar, result: QLabel, text: str) -> None:
        button.setEnabled(False)
        busy.show()
        self._say(result, text, "")

    def _done(self, button: QPushButton, busy: QProgressBar, result: QLabel, text: str, tone: str) -> None:
        button.setEnabled(True)
        busy.hide()
        self._say(result, text, tone)

    @staticmethod
    def _say(label: QLabel, text: str, tone: str) -> None:
        label.setText(text)
        show_tone(label, tone)
