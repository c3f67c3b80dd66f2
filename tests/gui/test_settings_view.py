"""The settings tab: config fields, validated atomic saves, status at a glance, the calendar set-up."""

from __future__ import annotations

import errno
import os
import tomllib
from datetime import date

import pytest
import tomli_w
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from appliance.config import PROJECT_ROOT, load_config
from appliance.models.manifest import Role
from appliance.models.store import ModelStore, Status
from gui.settings_view import SettingsView
from gui.style import ERROR, OK, WARNING, tone_of
from tests.gui.widgets import click, replace_text


@pytest.fixture()
def config_path(tmp_path, desk_config):
    """A config file for the demo clinic, with sections the view does not edit."""
    path = tmp_path / "appliance.toml"
    path.write_text(tomli_w.dumps({
        "llm": {"max_tokens": 64},
        "voice": {"endpoint_silence_ms": 500},
        "crm": {"country_code": "1"},
        "sip": {"bind_address": "127.0.0.1", "port": desk_config.sip.port, "allow_any_source": True},
        "transfer": {"staff_uri": "sip:frontdesk@pbx.clinic.local", "ring_timeout_s": 25.0},
        "clinic": {"name": "Riverside Dental", "timezone": "America/New_York", "hours": "Mon-Fri 8 to 6.",
                   "faq": {"wheelchair ramp": "There is a ramp at the side entrance."}},
        "paths": {"models": str(PROJECT_ROOT / "models"), "data": str(desk_config.paths.data)},
    }))
    path.chmod(0o600)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(tomli_w.dumps({"sip": {"password": "s3cret-pass"}}))
    secrets.chmod(0o600)
    return path


@pytest.fixture()
def view(qtbot, store_worker, config_path):
    """The settings view on that file and the demo store, once the store and models have been read."""
    widget = SettingsView(store_worker, load_config(config_path), config_path)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.schedule.providers.rowCount() == 2 and widget.installed is not None)
    return widget


def store_value(store_worker, fn):  # noqa: ANN001, ANN201
    """Read the store on its worker thread."""
    return store_worker.run(fn).result(10)


def test_fields_show_the_loaded_config(view):
    sip, transfer, clinic = view.sip.fields, view.transfer.fields, view.clinic.fields
    assert sip["bind_address"].text() == "127.0.0.1" and sip["allow_any_source"].isChecked()
    assert sip["password"].text() == "s3cret-pass"
    assert sip["password"].echoMode() == QLineEdit.EchoMode.Password
    assert sip["codecs"].text() == "G722, PCMU, PCMA"
    assert transfer["staff_uri"].text() == "sip:frontdesk@pbx.clinic.local"
    assert transfer["mode"].currentText() == "attended" and transfer["ring_timeout_s"].value() == 25.0
    assert clinic["name"].text() == "Riverside Dental" and clinic["timezone"].currentText() == "America/New_York"
    assert clinic["hours"].toPlainText() == "Mon-Fri 8 to 6."
    faq = clinic["faq"].table
    assert [faq.item(0, c).text() for c in (0, 1)] == ["wheelchair ramp", "There is a ramp at the side entrance."]
    assert str(view.path) in view.file_label.text()


def test_model_lists_offer_the_installed_models(view):
    installed = ModelStore(PROJECT_ROOT / "models").statuses()
    for role in Role:
        box = view.models.fields[role.value]
        offered = [box.itemData(i) for i in range(box.count())]
        expected = [s.entry.name for s in installed if s.entry.role == role
                    and s.status in (Status.VERIFIED, Status.UNVERIFIED, Status.BUILTIN)]
        assert offered == ["", *expected]
        assert box.currentData() == "" and box.currentText().startswith("Default (")
    assert "whisper-base" in view.models.fields["stt"].currentText()
    assert "Speech recognition: whisper-base - verified (configured)" in view.models_label.text()


def set_staff_uri(qtbot, view) -> None:  # noqa: ANN001
    replace_text(qtbot, view.transfer.fields["staff_uri"], "frontdesk@pbx.clinic.local")


def set_timezone(qtbot, view) -> None:  # noqa: ANN001
    replace_text(qtbot, view.clinic.fields["timezone"].lineEdit(), "Mars/Olympus_Mons")


def set_ring_timeout(qtbot, view) -> None:  # noqa: ANN001
    box = view.transfer.fields["ring_timeout_s"]
    box.selectAll()
    qtbot.keyClicks(box, "200")


def set_half_faq(qtbot, view) -> None:  # noqa: ANN001
    faq = view.clinic.fields["faq"]
    click(qtbot, faq.add_button)
    faq.table.item(1, 0).setText("x-ray")


@pytest.mark.parametrize("edit, message", [
    (set_staff_uri, "transfer.staff_uri must start with sip: or sips:"),
    (set_timezone, "clinic.timezone 'Mars/Olympus_Mons' is not a known time zone"),
    (set_ring_timeout, "transfer.ring_timeout_s must be 3..120, got 200.0"),
    (set_half_faq, "clinic.faq row 2 needs both key words and an answer"),
])
def test_invalid_settings_are_refused_and_nothing_is_written(qtbot, view, config_path, edit, message):
    before = config_path.read_bytes()
    edit(qtbot, view)
    click(qtbot, view.save_button)
    assert message in view.status.text() and view.status.text().startswith("Not saved")
    assert tone_of(view.status) == ERROR
    assert config_path.read_bytes() == before
    assert [p.name for p in config_path.parent.iterdir() if p.name.startswith(".appliance")] == []


def test_a_valid_save_writes_the_file_and_keeps_what_the_view_does_not_edit(qtbot, view, config_path):
    transfer, clinic = view.transfer.fields, view.clinic.fields
    replace_text(qtbot, transfer["staff_uri"], "sip:reception@pbx.clinic.local")
    replace_text(qtbot, transfer["desk_uri"], "sip:desk1@pbx.clinic.local")
    replace_text(qtbot, transfer["after_hours_uri"], "sips:oncall@pbx.clinic.local")
    transfer["mode"].setCurrentText("blind")
    replace_text(qtbot, clinic["phone"], "+1 555 010 2000")
    faq = clinic["faq"]
    click(qtbot, faq.add_button)
    faq.table.item(1, 0).setText("x-ray xray")
    faq.table.item(1, 1).setText("We take digital x-rays on site.")
    view.models.fields["stt"].setCurrentIndex(view.models.fields["stt"].findData("vosk-ko"))
    view.sip.fields["expiry_s"].setValue(600)
    view.clinic.fields["name"].setFocus()
    qtbot.keyClick(view.clinic.fields["name"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert view.status.text().startswith(f"Saved to {config_path}") and tone_of(view.status) == OK
    saved = load_config(config_path)
    assert saved.transfer.staff_uri == "sip:reception@pbx.clinic.local"
    assert saved.transfer.desk_uri == "sip:desk1@pbx.clinic.local"
    assert saved.transfer.after_hours_uri == "sips:oncall@pbx.clinic.local" and saved.transfer.mode == "blind"
    assert saved.clinic.phone == "+1 555 010 2000"
    assert saved.clinic.faq == {"wheelchair ramp": "There is a ramp at the side entrance.",
                                "x-ray xray": "We take digital x-rays on site."}
    assert saved.models.stt == "vosk-ko" and saved.sip.expiry_s == 600
    assert saved.sip.password == "s3cret-pass"
    assert saved.llm.max_tokens == 64 and saved.voice.endpoint_silence_ms == 500
    assert saved.paths.data == view.config.paths.data
    raw = tomllib.loads(config_path.read_text())
    assert "webhook_url" not in raw["crm"] and "register" not in raw["sip"]  # defaults not spelled out
    assert config_path.stat().st_mode & 0o777 == 0o600


def test_a_file_that_cannot_be_written_is_reported(qtbot, view, config_path, monkeypatch):
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    monkeypatch.setattr("appliance.config.writer.tempfile.mkstemp", refuse)
    before = config_path.read_bytes()
    replace_text(qtbot, view.clinic.fields["phone"], "+1 555 010 2000")
    click(qtbot, view.save_button)
    assert f"cannot write {config_path}: permission denied - ask IT" in view.status.text()
    assert config_path.read_bytes() == before


def test_only_a_typed_password_is_written_and_one_not_readable_shows_as_set(qtbot, store_worker, config_path,
                                                                             withheld_secrets):
    secrets = config_path.parent / "secrets.toml"
    widget = SettingsView(store_worker, load_config(config_path), config_path)
    qtbot.addWidget(widget)
    password = widget.sip.fields["password"]
    assert password.text() == "" and password.placeholderText() == "(set)"
    replace_text(qtbot, widget.clinic.fields["phone"], "+1 555 010 2000")
    click(qtbot, widget.save_button)
    assert widget.status.text().startswith("Saved to")
    assert tomllib.loads(secrets.read_text()) == {"sip": {"password": "s3cret-pass"}}, "the stored one is kept"
    qtbot.keyClicks(password, "new-pass")
    click(qtbot, widget.save_button)
    assert tomllib.loads(secrets.read_text()) == {"sip": {"password": "new-pass"}}
    assert "password" not in tomllib.loads(config_path.read_text())["sip"]


def test_revert_drops_unsaved_edits(qtbot, view):
    replace_text(qtbot, view.transfer.fields["staff_uri"], "oops")
    click(qtbot, view.revert_button)
    assert view.transfer.fields["staff_uri"].text() == "sip:frontdesk@pbx.clinic.local"


def test_the_settings_file_in_force_follows_the_environment(qtbot, store_worker, config_path, monkeypatch):
    monkeypatch.setenv("APPLIANCE_CONFIG", str(config_path))
    widget = SettingsView(store_worker, load_config(), None)
    qtbot.addWidget(widget)
    assert widget.path == config_path
    qtbot.waitUntil(lambda: widget.schedule.providers.rowCount() == 2 and widget.installed is not None)


def test_service_and_trunk_status_follow_the_window(view):
    assert "not reachable" in view.service_label.text()
    view.set_service_status(True, "")
    assert view.service_label.text() == "reachable" and tone_of(view.service_label) == OK
    view.set_registration({"state": "registered"})
    assert view.registration_label.text() == "registered" and tone_of(view.registration_label) == OK
    view.set_registration({"state": "retrying", "code": 503, "reason": "Service Unavailable", "retry_in_s": 30})
    assert view.registration_label.text() == "retrying in 30 s - 503 Service Unavailable"
    assert tone_of(view.registration_label) == WARNING
    view.set_registration({"state": "failed", "code": 403, "reason": "Forbidden"})
    assert view.registration_label.text() == "failed - 403 Forbidden" and tone_of(view.registration_label) == ERROR
    view.set_registration({"state": "not configured"})
    assert view.registration_label.text().startswith("not configured")

    view.set_engines({"stt": "whisper-tiny.en", "llm": "smollm2-135m-instruct-q4_1", "tts": "piper-en_US-joe-medium",
                      "vad": "silero-vad-v6", "turn": "smart-turn-v3.2"})
    assert "Language model: smollm2-135m-instruct-q4_1 - verified\n" in view.models_label.text()
    assert "(configured)" not in view.models_label.text()
    view.set_service_status(False, "connection refused")
    assert view.service_label.text() == "not reachable - connection refused"
    assert tone_of(view.service_label) == ERROR and "unknown" in view.registration_label.text()
    assert "Language model: qwen2.5-coder-1.5b-instruct-q4km - verified (configured)" in view.models_label.text()


def hours_cell(view, weekday: int) -> str:  # noqa: ANN001
    return view.schedule.hours.item(weekday, 1).text()


def test_adding_a_provider_lands_in_the_store(qtbot, view, store_worker):
    panel = view.schedule
    view.tabs.setCurrentWidget(panel)
    click(qtbot, panel.add_provider_button)
    assert "Type the provider's name first" in panel.status.text()
    qtbot.keyClicks(panel.provider_name, "Dr. Chen")
    replace_text(qtbot, panel.provider_role, "hygienist")
    qtbot.keyClick(panel.provider_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.providers.rowCount() == 3)
    assert (panel.providers.item(2, 0).text(), panel.providers.item(2, 1).text()) == ("Dr. Chen", "hygienist")
    assert panel.provider_name.text() == "" and panel.status.text() == "Added Dr. Chen."
    providers = store_value(store_worker, lambda s: [(p.name, p.role) for p in s.schedule.providers()])
    assert ("Dr. Chen", "hygienist") in providers
    assert panel.hours_for.findText("Dr. Chen") >= 0 and panel.service_offered_by.findText("Dr. Chen") >= 0

    qtbot.keyClicks(panel.provider_name, "Dr. Chen")
    click(qtbot, panel.add_provider_button)
    qtbot.waitUntil(lambda: "already taken" in panel.status.text())
    assert len(store_value(store_worker, lambda s: s.schedule.providers())) == 3


def test_adding_a_service_for_one_provider_lands_in_the_store(qtbot, view, store_worker):
    panel = view.schedule
    qtbot.keyClicks(panel.service_name, "whitening")
    panel.service_minutes.setValue(2)
    click(qtbot, panel.add_service_button)
    qtbot.waitUntil(lambda: "a service lasts 5 to 480 minutes" in panel.status.text())
    panel.service_minutes.setValue(60)
    panel.service_offered_by.setCurrentIndex(panel.service_offered_by.findText("Dr. Okafor"))
    click(qtbot, panel.add_service_button)
    qtbot.waitUntil(lambda: panel.services.rowCount() == 4)
    assert [panel.services.item(3, c).text() for c in range(3)] == ["whitening", "60", "Dr. Okafor"]
    offered = store_value(store_worker, lambda s: [(sv.name, sv.duration_min, [p.name for p in
                                                    s.schedule.providers(sv.id)]) for sv in s.schedule.services()])
    assert ("whitening", 60, ["Dr. Okafor"]) in offered


def test_setting_a_weekdays_hours_lands_in_the_store(qtbot, view, store_worker):
    panel = view.schedule
    assert hours_cell(view, 0) == "08:00-18:00" and hours_cell(view, 6) == "Closed"
    panel.hours.setCurrentCell(6, 0)
    assert panel.hours_day.currentText() == "Sunday"
    replace_text(qtbot, panel.opens, "10:00")
    replace_text(qtbot, panel.closes, "14:00")
    click(qtbot, panel.set_hours_button)
    qtbot.waitUntil(lambda: hours_cell(view, 6) == "10:00-14:00")
    sunday = date(2030, 1, 6)
    assert store_value(store_worker, lambda s: s.schedule.hours_on(sunday, None)) == [("10:00", "14:00")]

    panel.hours.setCurrentCell(0, 0)
    replace_text(qtbot, panel.opens, "08:00")
    replace_text(qtbot, panel.closes, "12:00")
    qtbot.keyClick(panel.closes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: hours_cell(view, 0) == "08:00-12:00")
    replace_text(qtbot, panel.opens, "13:00")
    replace_text(qtbot, panel.closes, "17:30")
    click(qtbot, panel.add_period_button)
    qtbot.waitUntil(lambda: hours_cell(view, 0) == "08:00-12:00, 13:00-17:30")
    assert store_value(store_worker, lambda s: s.schedule.weekly_hours()[0]) == [("08:00", "12:00"), ("13:00", "17:30")]

    panel.hours.setCurrentCell(5, 0)
    click(qtbot, panel.closed_button)
    qtbot.waitUntil(lambda: hours_cell(view, 5) == "Closed")
    assert 5 not in store_value(store_worker, lambda s: s.schedule.weekly_hours())

    replace_text(qtbot, panel.opens, "25:00")
    click(qtbot, panel.set_hours_button)
    qtbot.waitUntil(lambda: "is not a time like 08:30" in panel.status.text())
    assert tone_of(panel.status) == ERROR
    assert store_value(store_worker, lambda s: s.schedule.weekly_hours()[1]) == [("08:00", "18:00")]


def test_a_providers_own_hours(qtbot, view, store_worker):
    panel = view.schedule
    panel.hours_for.setCurrentIndex(panel.hours_for.findText("Dr. Okafor"))
    qtbot.waitUntil(lambda: hours_cell(view, 0) == "the clinic's hours")
    panel.hours.setCurrentCell(2, 0)
    replace_text(qtbot, panel.opens, "07:00")
    replace_text(qtbot, panel.closes, "15:00")
    click(qtbot, panel.set_hours_button)
    qtbot.waitUntil(lambda: hours_cell(view, 2) == "07:00-15:00" and hours_cell(view, 0) == "Closed")
    okafor = panel.hours_for.currentData()
    assert store_value(store_worker, lambda s: s.schedule.weekly_hours(okafor)) == {2: [("07:00", "15:00")]}
    assert store_value(store_worker, lambda s: s.schedule.weekly_hours()[2]) == [("08:00", "18:00")]
