"""The set-up wizard: SIP trunk, staff phone, clinic profile and a call to the appliance itself;
Finish writes the settings (the password to secrets.toml). Checks run on a worker thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizard, QWizardPage

from appliance.config import Config
from appliance.config.writer import Edits
from appliance.setup import (
    PROFILE_KEYS,
    SettingsResult,
    check_registration,
    check_settings,
    save_settings,
    self_test,
    test_call,
    trunk_edits,
)
from gui.settings_forms import clinic_form, password_placeholder, sip_form, transfer_form
from gui.setup_checks import CheckPanel, CheckRunner
from gui.style import ERROR, show_tone

TRUNK_KEYS = ("registrar", "user", "password", "transport")


def page(title: str, text: str, *widgets: QWidget) -> QWizardPage:
    """A wizard page with a title, an explanation and `widgets` one under the other."""
    result = QWizardPage()
    result.setTitle(title)
    result.setSubTitle(text)
    layout = QVBoxLayout(result)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch()
    return result


class ClinicPage(QWizardPage):
    """The clinic profile; Next only with values `parse_config` accepts."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle("Clinic profile")
        self.setSubTitle("What callers hear about the clinic. The time zone is a name like Europe/Berlin.")
        self.problem = QLabel(wordWrap=True)
        show_tone(self.problem, ERROR)
        layout = QVBoxLayout(self)
        layout.addWidget(wizard.clinic)
        layout.addWidget(self.problem)
        layout.addStretch()

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        """Refuse Next, saying why, while a value is bad."""
        checked = self.setup.settings()
        self.problem.setText("" if checked.ok else checked.message)
        return checked.ok


class SetupWizard(QWizard):
    """First-run set-up on the config file at `path`; `saved(config)` once Finish has written it."""

    saved = Signal(object)

    def __init__(self, config: Config, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Setup wizard")
        self.path = path
        self.runner = CheckRunner(self)
        self.trunk = sip_form(only=TRUNK_KEYS)
        self.staff = transfer_form(only=("staff_uri",))
        self.clinic = clinic_form(only=PROFILE_KEYS)
        for form in (self.trunk, self.staff, self.clinic):
            form.load(config)
        self.trunk.fields["password"].setPlaceholderText(password_placeholder(config.sip.password, path))
        self.registration = CheckPanel("&Test registration", self.runner, self.settings,
                                       lambda c: check_registration(c.sip))
        self.staff_call = CheckPanel("Test &call", self.runner, self.settings,
                                     lambda c: test_call(c.sip, c.transfer.staff_uri))
        self.call_yourself = CheckPanel("Call &yourself", self.runner, self.settings, lambda c: self_test(c))
        self.problem = QLabel(wordWrap=True)
        show_tone(self.problem, ERROR)
        self.addPage(page("SIP trunk", "The clinic's phone line, as the provider gave it. Leave the registrar "
                          "empty when the phone system sends calls straight to this box.",
                          self.trunk, self.registration))
        self.addPage(page("Staff phone", "Callers who ask for a person are put through to this phone; "
                          "empty: the agent takes a message.", self.staff, self.staff_call))
        self.addPage(ClinicPage(self))
        self.addPage(page("Call yourself", "The appliance answers a test call on this box and replies. "
                          "It loads the models first, which takes a while. Finish writes the settings to "
                          f"{path}.", self.call_yourself, self.problem))

    def edits(self) -> Edits:
        """The settings as entered on every page."""
        return {"sip": trunk_edits(**self.trunk.values()), "transfer": self.staff.values(),
                "clinic": self.clinic.values()}

    def settings(self) -> SettingsResult:
        """The settings file with the entered values, checked (nothing written)."""
        return check_settings(self.path, self.edits())

    def accept(self) -> None:
        """Finish: write the settings; on a problem say so and stay open."""
        result = save_settings(self.path, self.edits())
        if not result.ok:
            self.problem.setText(f"Not saved: {result.message}")
            return
        self.saved.emit(result.config)
        super().accept()

    def done(self, result: int) -> None:
        """Closing (Finish or Cancel) drops checks not yet started."""
        self.runner.close()
        super().done(result)
