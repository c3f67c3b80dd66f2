"""The main window: one tab per job, the service's state in the status bar (the service, the
trunk's registration and the calendar sync)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from appliance.config import ClinicConfig, Config
from appliance.control.protocol import socket_path
from gui.attention import Attention, add_alert_switches
from gui.calendar_view import CalendarView
from gui.call_log_view import CallLogView
from gui.contacts_view import ContactsView
from gui.dashboard_view import DashboardView
from gui.day_view import DayView
from gui.live_view import LiveView
from gui.messages_view import MessagesView
from gui.service_link import ServiceLink
from gui.settings_view import SettingsView
from gui.setup_wizard import SetupWizard
from gui.store_worker import StoreWorker
from gui.style import ERROR, PLAIN, show_tone
from gui.window_memory import WindowMemory
from gui.window_menu import add_view_menu

REFRESH_MS = 5000  # store-backed views are re-read (and the calendar sync's state asked) this often
CALENDAR_CHARS = 80  # the calendar label is shortened (with "...") past this many average characters


def calendar_text(sync: dict) -> tuple[str, str, str]:
    """The status bar's text for the calendar sync the service reports, its tooltip and tone
    ('' text: no calendar is configured, or the service is away)."""
    state, words = sync.get("state", "off"), sync.get("words", "")
    if state == "off" or not words:
        return "", "", ""
    text = {"ok": "Calendar: ok", "waiting": "Calendar: not synced yet",
            "failing": f"Calendar: failing \N{EM DASH} {sync.get('last_error', '')}"}.get(state, f"Calendar: {state}")
    waiting = sync.get("pending", 0)
    tip = f"{words[:1].upper()}{words[1:]}\nChanges waiting to be written to the calendar server: {waiting}"
    return text, tip, ERROR if state == "failing" else PLAIN


class MainWindow(QMainWindow):
    """Live calls, the day at a glance, a dashboard, call log, calendar, contacts, messages and
    settings; a call that needs a person takes the receptionist's eye."""

    def __init__(self, config: Config, config_path: Path | None = None, control_path: Path | None = None) -> None:
        """`config_path` names the settings file; when it is given and the box is not set up yet
        (first run), the setup wizard opens."""
        super().__init__()
        self.setWindowTitle(f"Front desk - {config.clinic.name}")
        self.config = config
        self.store = StoreWorker(config.paths.data / "appliance.db", config, self)
        self.link = ServiceLink(control_path or socket_path(config), self)
        self.dashboard = DashboardView(self.store, config)
        self.day = DayView(self.store, config)
        self.live = LiveView(self.link, config, config_path)
        self.calls = CallLogView(self.store, self.link, config)
        self.calendar = CalendarView(self.store, config)
        self.contacts = ContactsView(self.store, self.link, config)
        self.messages = MessagesView(self.store, self.link, config)
        self.settings = SettingsView(self.store, config, config_path)
        self.tabs = QTabWidget()
        for view, title in ((self.live, "&Live calls"), (self.day, "&Today"), (self.dashboard, "&Dashboard"),
                            (self.calls, "Call lo&g"), (self.calendar, "Cale&ndar"), (self.contacts, "C&ontacts"),
                            (self.messages, "&Messages"), (self.settings, "&Settings")):
            self.tabs.addTab(view, title)
        self.setCentralWidget(self.tabs)
        add_view_menu(self, self.tabs, self.refresh)
        self.service_label, self.registration_label, self.calendar_label = QLabel(), QLabel(), QLabel()
        self.calendar_sync: dict = {}
        self.calendar_label.hide()
        self.statusBar().addPermanentWidget(self.calendar_label)
        self.statusBar().addPermanentWidget(self.registration_label)
        self.statusBar().addPermanentWidget(self.service_label)
        self.store.failed.connect(lambda text: self.statusBar().showMessage(f"Store: {text}", 10000))
        self.link.connection.connect(self._on_connection)
        self.link.message.connect(self._on_message)
        self.link.status.connect(lambda status: self._show_calendar(status.get("calendar", {})))
        self._on_connection(False, "connecting to the service...")
        self.timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self.timer.start()
        self.link.start()
        self.refresh()
        self.wizard: SetupWizard | None = None
        self.setup_action = QAction("Setup &wizard...", self, triggered=self.open_setup_wizard)
        setup = self.menuBar().addMenu("Set&up")
        setup.addAction(self.setup_action)
        self.memory = WindowMemory(self, self.tabs)
        self.memory.restore()
        self.attention = Attention(self)
        self.alert_actions = add_alert_switches(setup, self.attention, self.memory.settings)
        self.live.needs_person.connect(self._needs_person)
        self.day.open_call.connect(self.open_call)
        self.day.message_done.connect(lambda _id: self.messages.refresh())
        if config_path is not None and needs_setup(config, config_path):
            QTimer.singleShot(0, self.open_setup_wizard)

    def open_setup_wizard(self) -> SetupWizard:
        """Open the setup wizard on the settings file, without blocking the window (or raise the open one)."""
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        self.wizard = SetupWizard(self.settings.config, self.settings.path, self)
        self.wizard.saved.connect(self.settings.show_config)
        self.wizard.open()
        return self.wizard

    def open_call(self, call_id: int) -> None:
        """Show the call `call_id` in the call log."""
        self.tabs.setCurrentWidget(self.calls)
        self.calls.open_call(call_id)

    def _needs_person(self, title: str, reason: str) -> None:
        """A call needs a person: its card on screen, the window forward, notified and chimed as switched."""
        self.tabs.setCurrentWidget(self.live)
        self.live.take_over_button.setFocus()
        self.attention.call_needs_person(title, reason)
        self.statusBar().showMessage(f"{title}: {reason}", 60000)

    def refresh(self) -> None:
        """Re-read the store for every view (work queued off the GUI thread); ask the service how the
        calendar sync stands (when it runs one: a service started without one never starts it)."""
        for view in (self.day, self.dashboard, self.calls, self.calendar, self.contacts, self.messages):
            view.refresh()
        if self.link.connected and self.calendar_sync.get("state", "off") != "off":
            self.link.ask_status()

    def _on_connection(self, up: bool, detail: str) -> None:
        self.service_label.setText("Service: connected" if up else f"Service not reachable - {detail}")
        show_tone(self.service_label, PLAIN if up else ERROR)
        if not up:
            self.registration_label.setText("")
            self._show_calendar({}, up=False)
        self.settings.set_service_status(up, detail)

    def _on_message(self, message: dict) -> None:
        kind = message.get("type")
        if kind in ("Snapshot", "Registration"):
            registration = message.get("registration", message)
            state = registration.get("state", "")
            self.registration_label.setText(f"Trunk: {state}")
            show_tone(self.registration_label, PLAIN if state in ("registered", "not configured") else ERROR)
            if kind == "Snapshot":
                self.settings.set_engines(message.get("engines", {}))
                self._show_calendar(message.get("calendar", {}))
                for problem in message.get("problems", []):
                    if problem != self.calendar_sync.get("words"):  # a failing sync has its own label
                        self._alert(problem)
            self.settings.set_registration(registration)
        elif kind == "CallEnded":
            self.refresh()
        elif kind == "Alert":
            self._alert(message.get("problem", ""))

    def _show_calendar(self, sync: dict, up: bool = True) -> None:
        """The calendar sync's state as the service reports it (not `up`: the service is not reachable);
        hidden when no calendar is configured. A long reason is shortened, all of it in the tooltip."""
        self.calendar_sync = sync
        text, tip, tone = calendar_text(sync)
        label = self.calendar_label
        show_tone(label, tone)  # first: a bold style is wider
        label.ensurePolished()
        metrics = label.fontMetrics()
        label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                         metrics.averageCharWidth() * CALENDAR_CHARS))
        label.setToolTip(tip)
        label.setVisible(bool(text))
        if up:
            self.settings.set_calendar_status(sync.get("words", ""), sync.get("state", ""))

    def _alert(self, problem: str) -> None:
        """Show a problem of the service (an engine failed, the store refused writes) for a minute."""
        self.statusBar().showMessage(f"Problem: {problem}", 60000)

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Remember how the window looks; stop the timers and threads before it goes."""
        self.memory.save()
        self.timer.stop()
        self.live.stop_talk()
        self.settings.calendar.runner.close()
        self.link.stop()
        self.store.close()
        super().closeEvent(event)


def needs_setup(config: Config, path: Path) -> bool:
    """First run: no settings file yet, or the installer's (no trunk, the clinic not named)."""
    return not path.exists() or (not config.sip.registrar and config.clinic.name == ClinicConfig().name)
