"""The settings' calendar tab on a real CalDAV server (Radicale on loopback): find the account's
calendars, choose each dentist's, save (the password to secrets.toml only), test the connection."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from appliance.config import PROJECT_ROOT, load_config
from appliance.lab.calendar_server import LabCalendarServer
from gui.settings_calendar import NONE_TEXT, CalendarForm
from gui.settings_view import SettingsView
from gui.style import ERROR, OK, WARNING, tone_of
from tests.gui.widgets import click, replace_text


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """The clinic's calendar server with a calendar per dentist and one for the front desk."""
    server = LabCalendarServer(tmp_path_factory.mktemp("radicale"))
    server.start()
    server.calendars = {name: server.make_calendar(name) for name in ("Dr. Patel", "Dr. Okafor", "Front desk")}
    yield server
    server.stop()


@pytest.fixture()
def config_path(tmp_path, desk_config):
    """A config file for the demo clinic, its SIP password in secrets.toml."""
    path = tmp_path / "appliance.toml"
    path.write_text(tomli_w.dumps({
        "sip": {"bind_address": "127.0.0.1", "port": desk_config.sip.port, "allow_any_source": True},
        "clinic": {"name": "Riverside Dental", "timezone": "America/New_York"},
        "paths": {"models": str(PROJECT_ROOT / "models"), "data": str(desk_config.paths.data)},
    }))
    path.chmod(0o600)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(tomli_w.dumps({"sip": {"password": "s3cret-pass"}}))
    secrets.chmod(0o600)
    return path


def open_view(qtbot, store_worker, config_path) -> SettingsView:  # noqa: ANN001
    """The settings view on the calendar tab, once the store's providers are shown there."""
    view = SettingsView(store_worker, load_config(config_path), config_path)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    view.tabs.setCurrentIndex(view.tabs.indexOf(view.calendar.parentWidget().parentWidget()))
    assert view.tabs.tabText(view.tabs.currentIndex()) == "Calendar s&ync"
    qtbot.waitUntil(lambda: view.calendar.fields["calendars"].providers == ["Dr. Patel", "Dr. Okafor"])
    return view


@pytest.fixture()
def view(qtbot, store_worker, config_path):
    return open_view(qtbot, store_worker, config_path)


def enter_account(qtbot, form: CalendarForm, url: str, user: str, password: str) -> None:  # noqa: ANN001
    replace_text(qtbot, form.fields["url"], url)
    replace_text(qtbot, form.fields["user"], user)
    replace_text(qtbot, form.fields["password"], password)


def choose(box, text: str) -> None:  # noqa: ANN001
    index = box.findText(text)
    assert index >= 0, f"{text!r} is not offered: {[box.itemText(i) for i in range(box.count())]}"
    box.setCurrentIndex(index)


def test_found_calendars_are_chosen_and_saved_with_the_password_in_secrets_only(qtbot, view, radicale,
                                                                                   config_path):
    form = view.calendar
    boxes = form.fields["calendars"].boxes
    assert [boxes["Dr. Patel"].itemText(i) for i in range(boxes["Dr. Patel"].count())] == [NONE_TEXT]
    enter_account(qtbot, form, radicale.url, radicale.user, radicale.password)
    click(qtbot, form.find_button)
    qtbot.waitUntil(lambda: form.find_result.text().startswith("Found"), timeout=15000)
    assert form.find_result.text() == ("Found 3 calendars: Dr. Okafor, Dr. Patel, Front desk. "
                                       "Choose each provider's calendar below.")
    assert tone_of(form.find_result) == OK and form.find_button.isEnabled()
    offered = [boxes["Dr. Okafor"].itemText(i) for i in range(boxes["Dr. Okafor"].count())]
    assert offered == [NONE_TEXT, "Dr. Okafor", "Dr. Patel", "Front desk"]  # in name order
    choose(boxes["Dr. Patel"], "Dr. Patel")
    choose(boxes["Dr. Okafor"], "Dr. Okafor")
    choose(form.fields["shared"], "Front desk")
    choose(form.fields["patient_detail"], "Full name")

    click(qtbot, form.test_button)
    qtbot.waitUntil(lambda: form.test_result.text().startswith("Connected"), timeout=15000)
    assert form.test_result.text() == "Connected: 3 calendars." and tone_of(form.test_result) == OK

    click(qtbot, view.save_button)
    assert view.status.text() == f"Saved to {config_path}. Restart the service to apply saved changes."
    assert tone_of(view.status) == OK
    mapping = {"Dr. Patel": radicale.calendars["Dr. Patel"], "Dr. Okafor": radicale.calendars["Dr. Okafor"]}
    raw = tomllib.loads(config_path.read_text())
    assert raw["calendar"] == {"url": radicale.url, "user": radicale.user, "calendars": mapping,
                               "shared": radicale.calendars["Front desk"], "patient_detail": "name"}
    assert radicale.password not in config_path.read_text()
    secrets = config_path.parent / "secrets.toml"
    assert tomllib.loads(secrets.read_text()) == {"sip": {"password": "s3cret-pass"},
                                                  "calendar": {"password": radicale.password}}
    assert secrets.stat().st_mode & 0o777 == 0o600
    saved = load_config(config_path).calendar
    assert saved.calendars == mapping and saved.password == radicale.password and saved.enabled

    click(qtbot, view.save_button)  # saving again keeps the password where it is
    assert tomllib.loads(secrets.read_text())["calendar"] == {"password": radicale.password}


def test_a_saved_mapping_is_shown_again_and_a_calendar_can_be_dropped(qtbot, store_worker, radicale, config_path):
    patel = radicale.calendars["Dr. Patel"]
    config_path.write_text(config_path.read_text() + tomli_w.dumps({"calendar": {
        "url": radicale.url, "user": radicale.user, "calendars": {"Dr. Patel": patel, "Dr. Chen": patel}}}))
    view = open_view(qtbot, store_worker, config_path)
    form = view.calendar
    calendars = form.fields["calendars"]
    assert list(calendars.boxes) == ["Dr. Patel", "Dr. Okafor", "Dr. Chen"]  # not in the store, kept until dropped
    assert calendars.boxes["Dr. Patel"].currentText() == patel and calendars.boxes["Dr. Okafor"].value() == ""
    replace_text(qtbot, form.fields["password"], radicale.password)
    click(qtbot, form.find_button)
    qtbot.waitUntil(lambda: form.find_result.text().startswith("Found"), timeout=15000)
    assert calendars.boxes["Dr. Patel"].currentText() == "Dr. Patel"
    calendars.boxes["Dr. Chen"].setCurrentIndex(0)
    click(qtbot, view.save_button)
    assert view.status.text().startswith("Saved to")
    assert load_config(config_path).calendar.calendars == {"Dr. Patel": patel}


def test_a_wrong_password_is_reported_plainly(qtbot, view, radicale):
    form = view.calendar
    enter_account(qtbot, form, radicale.url, radicale.user, "not-the-password")
    choose(form.fields["calendars"].boxes["Dr. Patel"], NONE_TEXT)
    form.fields["shared"].setValue(radicale.calendars["Front desk"])
    click(qtbot, form.test_button)
    assert not form.test_button.isEnabled() and form.test_result.text() == "Testing..."
    qtbot.waitUntil(lambda: form.test_button.isEnabled(), timeout=15000)
    assert form.test_result.text() == "The calendar server refused the user name or password."
    assert tone_of(form.test_result) == ERROR
    click(qtbot, form.find_button)
    qtbot.waitUntil(lambda: form.find_button.isEnabled(), timeout=15000)
    assert form.find_result.text() == "Cannot find calendars: The calendar server refused the user name or password."
    assert tone_of(form.find_result) == ERROR


def test_an_unreachable_server_and_no_chosen_calendar_are_said_plainly(qtbot, view, radicale):
    form = view.calendar
    enter_account(qtbot, form, "http://127.0.0.1:9/dav/", radicale.user, radicale.password)
    click(qtbot, form.test_button)
    qtbot.waitUntil(lambda: form.test_button.isEnabled(), timeout=15000)
    assert form.test_result.text() == "The calendar server at 127.0.0.1:9 cannot be reached."
    replace_text(qtbot, form.fields["url"], radicale.url)
    click(qtbot, form.test_button)
    qtbot.waitUntil(lambda: form.test_button.isEnabled(), timeout=15000)
    assert form.test_result.text().startswith("Connected: 3 calendars. No calendar is chosen for any provider yet")
    assert tone_of(form.test_result) == WARNING


def test_settings_that_cannot_be_asked_are_refused_without_the_network(qtbot, view, config_path):
    form = view.calendar
    click(qtbot, form.find_button)
    assert form.find_result.text() == "Type the calendar server's address first."
    replace_text(qtbot, form.fields["url"], "cloud.example.org/dav")
    click(qtbot, form.test_button)
    assert form.test_result.text() == ("Not checked: calendar.url must start with http:// or https://, "
                                       "got 'cloud.example.org/dav'")
    click(qtbot, view.save_button)
    assert view.status.text().startswith("Not saved") and "calendar.url must start with http://" in view.status.text()
    assert "calendar" not in tomllib.loads(config_path.read_text())


def test_a_stored_password_this_user_may_not_read_shows_as_set_and_is_kept(qtbot, store_worker, config_path,
                                                                           withheld_secrets):
    config_path.write_text(config_path.read_text() + tomli_w.dumps({"calendar": {
        "url": "https://cloud.example.org/dav", "user": "clinic"}}))
    view = open_view(qtbot, store_worker, config_path)
    form = view.calendar
    password = form.fields["password"]
    assert password.text() == "" and password.placeholderText() == "(set)"
    click(qtbot, form.test_button)
    assert form.test_result.text() == "The stored password cannot be read by this user: type it to ask the server."
    choose(form.fields["patient_detail"], "Service only")
    click(qtbot, view.save_button)
    assert view.status.text().startswith("Saved to")
    assert "password" not in tomllib.loads(config_path.read_text())["calendar"]
    assert tomllib.loads((config_path.parent / "secrets.toml").read_text()) == {"sip": {"password": "s3cret-pass"}}
    assert load_config(config_path).calendar.patient_detail == "none"
