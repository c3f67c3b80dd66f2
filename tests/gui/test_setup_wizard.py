"""The setup wizard: pages filled as a person would, checks on a worker thread (the core checks are
replaced by quick stand-ins here; tests/sip/test_setup.py runs them for real), Finish writes the file."""

from __future__ import annotations

import threading
import tomllib

import pytest
from PySide6.QtWidgets import QWizard

from appliance.config import Config, load_config
from appliance.setup import CheckResult, SelfTestResult
from gui.setup_wizard import SetupWizard
from gui.style import ERROR, OK, tone_of
from gui.window import MainWindow
from tests.gui.widgets import click, replace_text


class Checks:
    """Stand-ins for the core checks that record what they were given and on which thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, threading.Thread]] = []

    def registration(self, sip):  # noqa: ANN001, ANN201
        self.calls.append(("registration", sip, threading.current_thread()))
        if sip.password == "right-pass":
            return CheckResult(True, f"registered with {sip.registrar} as {sip.user}", code=200)
        return CheckResult(False, "the trunk refused the username or password", "REGISTER: 401 Unauthorized", 401)

    def call(self, sip, uri):  # noqa: ANN001, ANN201
        self.calls.append(("call", uri, threading.current_thread()))
        return CheckResult(True, "the phone answered (the test call was hung up again)", code=200)

    def self_test(self, config):  # noqa: ANN001, ANN201
        self.calls.append(("self_test", config, threading.current_thread()))
        transcript = [("agent", f"Thank you for calling {config.clinic.name}."),
                      ("caller", "What are your opening hours?"), ("agent", config.clinic.hours)]
        return SelfTestResult(True, "the appliance answered and replied in 0.9 s",
                              "\n".join(f"{s}: {t}" for s, t in transcript), transcript=transcript, latency_ms=900.0)


@pytest.fixture()
def checks(monkeypatch) -> Checks:
    checks = Checks()
    monkeypatch.setattr("gui.setup_wizard.check_registration", checks.registration)
    monkeypatch.setattr("gui.setup_wizard.test_call", checks.call)
    monkeypatch.setattr("gui.setup_wizard.self_test", checks.self_test)
    return checks


@pytest.fixture()
def path(tmp_path):
    return tmp_path / "etc" / "appliance.toml"  # first run: no file yet


@pytest.fixture()
def wizard(qtbot, path, checks) -> SetupWizard:
    widget = SetupWizard(Config(), path)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def run_check(qtbot, panel) -> CheckResult:  # noqa: ANN001
    """Press the panel's button and wait for its result to show."""
    click(qtbot, panel.button)
    qtbot.waitUntil(lambda: panel.button.isEnabled() and panel.result is not None, timeout=5000)
    return panel.result


def test_the_wizard_checks_each_step_off_the_gui_thread_and_finish_writes_the_settings(qtbot, wizard, path, checks):
    trunk = wizard.trunk.fields
    replace_text(qtbot, trunk["registrar"], "127.0.0.1:5060")
    replace_text(qtbot, trunk["user"], "agent")
    replace_text(qtbot, trunk["password"], "wrong-pass")
    assert not run_check(qtbot, wizard.registration).ok
    assert wizard.registration.message.text() == "The trunk refused the username or password"
    assert tone_of(wizard.registration.message) == ERROR
    assert "401 Unauthorized" in wizard.registration.detail.text()
    replace_text(qtbot, trunk["password"], "right-pass")
    assert run_check(qtbot, wizard.registration).ok
    assert wizard.registration.message.text() == "Registered with 127.0.0.1:5060 as agent"
    assert tone_of(wizard.registration.message) == OK
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))

    replace_text(qtbot, wizard.staff.fields["staff_uri"], "sip:frontdesk@pbx.clinic.local")
    assert run_check(qtbot, wizard.staff_call).ok
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))

    clinic = wizard.clinic.fields
    profile_page = wizard.currentId()
    replace_text(qtbot, clinic["name"], "Riverside Dental")
    replace_text(qtbot, clinic["timezone"].lineEdit(), "Mars/Olympus_Mons")
    clinic["hours"].setPlainText("Monday to Friday from 8 to 6.")
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentId() == profile_page, "a bad time zone keeps the wizard on the page"
    assert "clinic.timezone 'Mars/Olympus_Mons' is not a known time zone" in wizard.currentPage().problem.text()
    replace_text(qtbot, clinic["timezone"].lineEdit(), "America/New_York")
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentId() != profile_page

    result = run_check(qtbot, wizard.call_yourself)
    assert result.ok and wizard.call_yourself.message.text() == "The appliance answered and replied in 0.9 s"
    assert "agent: Monday to Friday from 8 to 6." in wizard.call_yourself.detail.text()
    assert not path.exists(), "nothing is written before Finish"
    assert {thread.name.startswith("gui-setup") for _, _, thread in checks.calls} == {True}
    assert [kind for kind, _, _ in checks.calls] == ["registration", "registration", "call", "self_test"]
    assert checks.calls[-1][1].clinic.timezone == "America/New_York"

    with qtbot.waitSignal(wizard.saved) as saved:
        click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    assert not wizard.isVisible()
    config = load_config(path)
    assert saved.args == [config]
    assert config.sip.register and config.sip.registrar == "127.0.0.1:5060" and config.sip.password == "right-pass"
    assert config.transfer.staff_uri == "sip:frontdesk@pbx.clinic.local"
    assert (config.clinic.name, config.clinic.timezone) == ("Riverside Dental", "America/New_York")
    assert "password" not in tomllib.loads(path.read_text())["sip"]
    secrets = path.parent / "secrets.toml"
    assert tomllib.loads(secrets.read_text()) == {"sip": {"password": "right-pass"}}
    assert secrets.stat().st_mode & 0o777 == 0o600


def test_settings_that_cannot_be_checked_are_refused_before_any_check_runs(qtbot, wizard, checks):
    replace_text(qtbot, wizard.trunk.fields["registrar"], "sip.example.net")
    click(qtbot, wizard.registration.button)
    assert "sip.registrar and sip.user are needed" in wizard.registration.message.text()
    assert checks.calls == []


def test_finish_that_cannot_write_says_so_and_stays_open(qtbot, wizard, path, monkeypatch):
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("appliance.config.writer.tempfile.mkstemp", refuse)
    wizard.accept()
    assert wizard.isVisible()
    assert wizard.problem.text() == f"Not saved: cannot write {path}: permission denied - ask IT or run as the " \
                                    "appliance admin"


def test_a_password_this_user_may_not_read_shows_as_set_and_is_kept(qtbot, path, checks, withheld_secrets):
    path.parent.mkdir()
    path.write_text('[sip]\nregister = true\nregistrar = "sip.example.net"\nuser = "agent"\n')
    secrets = path.parent / "secrets.toml"
    secrets.write_text('[sip]\npassword = "stored"\n')
    widget = SetupWizard(load_config(path), path)
    qtbot.addWidget(widget)
    password = widget.trunk.fields["password"]
    assert password.text() == "" and password.placeholderText() == "(set)"
    widget.accept()
    assert secrets.read_text() == '[sip]\npassword = "stored"\n'


def test_the_window_opens_the_wizard_on_first_run_only(qtbot, desk_config, path, tmp_path, checks):
    first = MainWindow(desk_config, path)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.wizard is not None and first.wizard.isVisible(), timeout=3000)
    assert first.wizard.path == path
    first.close()

    existing = tmp_path / "appliance.toml"
    existing.write_text('[clinic]\nname = "Riverside Dental"\n')
    later = MainWindow(desk_config, existing)
    qtbot.addWidget(later)
    later.show()
    qtbot.wait(50)
    assert later.wizard is None
    later.setup_action.trigger()
    assert later.wizard is not None and later.wizard.isVisible()
    later.close()


def test_the_installers_settings_file_counts_as_a_first_run(tmp_path):
    from appliance.config import Config, load_config
    from gui.window import needs_setup

    installed = tmp_path / "appliance.toml"
    installed.write_text('[paths]\ndata = "/var/lib/appliance"\n\n[sip]\nregister = false\n')
    assert needs_setup(load_config(installed), installed)
    named = tmp_path / "named.toml"
    named.write_text('[clinic]\nname = "Riverside Dental"\n')
    assert not needs_setup(load_config(named), named) and needs_setup(Config(), tmp_path / "missing.toml")
