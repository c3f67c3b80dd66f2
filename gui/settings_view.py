"""The settings tab: the service at a glance, the config file's sections (the clinic's CalDAV
server among them), the clinic's calendar set-up, and adding a clinic's own model."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config, config_file_path
from appliance.config.writer import save_config
from appliance.errors import ApplianceError
from appliance.models.manifest import Role
from appliance.models.store import Status
from gui.model_add import ModelAdder
from gui.settings_calendar import CalendarForm
from gui.settings_forms import clinic_form, password_placeholder, sip_form, transfer_form
from gui.settings_models import (
    ROLE_NAMES,
    InstalledModels,
    ModelsForm,
    read_installed_models,
)
from gui.settings_schedule import SchedulePanel, readable
from gui.store_worker import StoreWorker
from gui.style import ERROR, MUTED, OK, WARNING, show_tone

RESTART_NOTE = "Restart the service to apply saved changes."


def registration_text(registration: dict[str, Any]) -> tuple[str, str]:
    """The trunk's registration state in words, and its tone."""
    state = registration.get("state") or "unknown"
    why = " ".join(str(part) for part in (registration.get("code"), registration.get("reason")) if part)
    because = f" - {why}" if why else ""
    if state == "registered":
        return "registered", OK
    if state == "failed":
        return f"failed{because}", ERROR
    if state == "retrying":
        wait = registration.get("retry_in_s")
        return f"retrying{f' in {wait:.0f} s' if wait is not None else ''}{because}", WARNING
    if state == "not configured":
        return "not configured (no registration: calls are sent straight to this box)", MUTED
    return state, MUTED


def styled(label: QLabel, text: str, tone: str) -> None:
    """Set a label's text and tone."""
    label.setText(text)
    show_tone(label, tone)


def scrolled(widget: QWidget) -> QScrollArea:
    """`widget` in a scroll area that resizes it to the width available."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


class SettingsView(QWidget):
    """Service, trunk, calendar sync and models at a glance; SIP trunk, transfers, clinic profile,
    the calendar server and models edited and saved (Ctrl+S) to the config file (passwords to
    secrets.toml); providers, services and hours edited in the store; a clinic's own model added
    to the models folder (`model_adder`)."""

    def __init__(self, store: StoreWorker, config: Config, config_path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.config = config
        self.path = config_file_path(config_path)
        self.engines: dict[str, str] = {}
        self.installed: InstalledModels | None = None
        self.models_problem = ""
        self.sip, self.transfer, self.clinic = sip_form(), transfer_form(), clinic_form()
        self.models = ModelsForm(config)
        self.model_adder = ModelAdder(config.paths.models)
        self.model_adder.added.connect(self.read_models)
        self.models.form.addRow(self.model_adder)
        self.calendar = CalendarForm(store, config, self.path)
        self.forms = (self.sip, self.transfer, self.clinic, self.calendar, self.models)
        self.schedule = SchedulePanel(store)
        self.tabs = QTabWidget()
        for page, title in ((scrolled(self.sip), "SIP &trunk"), (self.transfer, "Trans&fer"),
                            (scrolled(self.clinic), "&Clinic profile"), (self.schedule, "Hours and te&am"),
                            (scrolled(self.calendar), "Calendar s&ync"), (self.models, "Mod&els in use")):
            self.tabs.addTab(page, title)
        self.save_button = QPushButton("Save settings (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Show the settings as last loaded or saved, dropping unsaved edits")
        self.revert_button.clicked.connect(self.revert)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self._glance_box())
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.revert()
        self.set_service_status(False, "not connected yet")
        self.refresh()

    def _glance_box(self) -> QGroupBox:
        self.service_label, self.registration_label, self.models_label = QLabel(), QLabel(), QLabel()
        self.calendar_label = QLabel(wordWrap=True)
        self.file_label = QLabel(str(self.path))
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QGroupBox("At a glance")
        form = QFormLayout(box)
        form.addRow("Service:", self.service_label)
        form.addRow("Trunk:", self.registration_label)
        form.addRow("Calendar sync:", self.calendar_label)
        form.addRow("Models:", self.models_label)
        form.addRow("Settings file:", self.file_label)
        return box

    # --- what the window tells the view ------------------------------------------------
    def set_service_status(self, up: bool, detail: str) -> None:
        """Whether the service answers on its control channel (`detail` says why not)."""
        if up:
            styled(self.service_label, "reachable", OK)
            return
        styled(self.service_label, f"not reachable - {detail}" if detail else "not reachable", ERROR)
        styled(self.registration_label, "unknown (the service is not reachable)", ERROR)
        styled(self.calendar_label, "unknown (the service is not reachable)", MUTED)
        self.set_engines({})

    def set_registration(self, registration: dict[str, Any]) -> None:
        """The trunk's registration as the service reports it (state, and code, reason, retry_in_s)."""
        text, tone = registration_text(registration)
        styled(self.registration_label, text, tone)

    def set_calendar_status(self, words: str, state: str) -> None:
        """The calendar sync as the service reports it: its words, and state ('off', 'ok', 'waiting', 'failing')."""
        tone = {"ok": OK, "waiting": WARNING, "failing": ERROR}.get(state, MUTED)
        styled(self.calendar_label, words[:1].upper() + words[1:] if words else "unknown", tone)

    def set_engines(self, engines: dict[str, str]) -> None:
        """The model the running service uses for each role (empty: not known)."""
        self.engines = dict(engines)
        self._show_models()

    # --- store and models folder ---------------------------------------------------------
    def refresh(self) -> None:
        """Re-read providers, services and hours, and the models folder's recorded states."""
        self.schedule.refresh()
        self.calendar.refresh()
        self.read_models()

    def read_models(self) -> Future:
        """Read the installed models off the GUI thread (recorded states only: no checksums)."""
        models_dir = self.config.paths.models
        return self.store.run(lambda _store: read_installed_models(models_dir), self._on_models,
                              self._on_models_failed)

    def _on_models(self, installed: InstalledModels) -> None:
        self.installed, self.models_problem = installed, ""
        self.models.set_installed(installed)
        self._show_models()

    def _on_models_failed(self, exc: Exception) -> None:
        self.models_problem = f"cannot read the models folder: {readable(exc)}"
        self._show_models()

    def _show_models(self) -> None:
        if self.models_problem:
            styled(self.models_label, self.models_problem, ERROR)
            return
        lines, bad = [], False
        for role in Role:
            running = self.engines.get(role.value, "")
            name = running or getattr(self.config.models, role.value) or (
                self.installed.defaults.get(role, "") if self.installed else "")
            status = self.installed.status_of(name) if self.installed and name else None
            bad = bad or status in (Status.MISSING, Status.CORRUPT)
            state = f" - {status}" if status else (" - checking..." if self.installed is None else "")
            lines.append(f"{ROLE_NAMES[role]}: {name or 'default'}{state}{'' if running else ' (configured)'}")
        styled(self.models_label, "\n".join(lines), ERROR if bad else MUTED if not self.engines else OK)

    # --- the config file -------------------------------------------------------------------
    def save(self) -> Config | None:
        """Check the edited settings and write them to the file; on a problem show it and write nothing."""
        try:
            edits = {form.section: form.values() for form in self.forms}
            if edits["sip"]["password"] == self.config.sip.password:
                del edits["sip"]["password"]  # only a password typed here is written
            saved = save_config(self.path, edits)
        except ApplianceError as exc:
            styled(self.status, f"Not saved: {exc.args[0]}", ERROR)
            return None
        self.config = self.calendar.config = saved
        styled(self.status, f"Saved to {self.path}. {RESTART_NOTE}", OK)
        self._show_models()
        return saved

    def show_config(self, config: Config) -> None:
        """Show `config`, saved elsewhere (the setup wizard), as the settings last saved."""
        self.config = config
        self.model_adder.folder = config.paths.models
        self.revert()

    def revert(self) -> None:
        """Show the settings as last loaded or saved."""
        for form in self.forms:
            form.load(self.config)
        self.sip.fields["password"].setPlaceholderText(password_placeholder(self.config.sip.password, self.path))
        styled(self.status, RESTART_NOTE, MUTED)
