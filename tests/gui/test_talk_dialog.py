"""The "Talk to the agent" button: it starts `appliance talk` in its own process (with --book
when the box is ticked), shows what it prints, Stop ends it, and a PC without microphone and
speaker is told so in plain words."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from appliance.headset.errors import NO_DEVICE_MESSAGE
from gui.live_view import LiveView
from gui.service_link import ServiceLink
from gui.style import ERROR, tone_of
from gui.talk_dialog import APPLIANCE, error_text, talk_command
from tests.gui.widgets import click
from tests.headset.sound import has_sound_card, no_sound_env

STAND_IN = """import signal, sys, time
def stop(*_):
    print("Call ended: stopped at the front desk.", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("args:", " ".join(sys.argv[1:]), flush=True)
print("Agent: Thank you for calling Riverside Dental.", flush=True)
time.sleep(60)
"""


@pytest.fixture()
def settings(tmp_path, desk_config) -> Path:
    """A settings file for the demo clinic's store."""
    path = tmp_path / "appliance.toml"
    path.write_text(f'[paths]\ndata = "{desk_config.paths.data}"\n')
    return path


def live_view(qtbot, desk_config, settings: Path, appliance: list[str] = APPLIANCE) -> LiveView:
    view = LiveView(ServiceLink(settings.parent / "no-service.sock"), desk_config, settings, appliance=appliance)
    qtbot.addWidget(view)
    view.show()
    return view


def test_the_button_starts_a_test_call_that_stop_ends(qtbot, tmp_path, desk_config, settings):
    stand_in = tmp_path / "stand_in.py"
    stand_in.write_text(STAND_IN)
    view = live_view(qtbot, desk_config, settings, appliance=[sys.executable, str(stand_in)])
    view.book_check.setChecked(True)
    click(qtbot, view.talk_button)
    dialog = view.talk
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: "Agent: Thank you" in dialog.output.toPlainText(), timeout=10000)
    assert f"args: --config {settings} talk --book" in dialog.output.toPlainText()
    assert dialog.running and dialog.stop_button.isEnabled()
    click(qtbot, view.talk_button)  # a second click shows the call in progress, starts no other
    assert view.talk is dialog
    click(qtbot, dialog.stop_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    assert "Call ended: stopped at the front desk." in dialog.output.toPlainText()
    assert dialog.status.text() == "The test call has ended."
    assert not dialog.stop_button.isEnabled()

    view.book_check.setChecked(False)
    click(qtbot, view.talk_button)
    assert view.talk is not dialog
    qtbot.waitUntil(lambda: "args:" in view.talk.output.toPlainText(), timeout=10000)
    assert "--book" not in view.talk.output.toPlainText()
    qtbot.keyClick(view.talk, Qt.Key.Key_Escape)  # closing the dialog ends the call
    qtbot.waitUntil(lambda: not view.talk.running, timeout=10000)

    click(qtbot, view.talk_button)
    qtbot.waitUntil(lambda: "args:" in view.talk.output.toPlainText(), timeout=10000)
    view.stop_talk()  # the window closing
    assert not view.talk.running


@pytest.mark.skipif(has_sound_card(), reason="this machine has a sound card: there is always a device")
def test_no_microphone_and_speaker_is_said_plainly(qtbot, tmp_path, desk_config, settings, monkeypatch):
    for key, value in no_sound_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    view = live_view(qtbot, desk_config, settings)  # the real `appliance talk`
    click(qtbot, view.talk_button)
    expected = NO_DEVICE_MESSAGE[0].upper() + NO_DEVICE_MESSAGE[1:]
    qtbot.waitUntil(lambda: view.talk.status.text() == expected, timeout=30000)
    qtbot.waitUntil(lambda: not view.talk.running, timeout=10000)
    assert view.talk.status.text() == expected  # not replaced by a generic failure
    assert tone_of(view.talk.status) == ERROR
    assert "Traceback" not in view.talk.output.toPlainText()


def test_the_command_names_the_settings_file_when_there_is_one(tmp_path):
    assert talk_command(None, False) == [*APPLIANCE, "talk"]
    assert talk_command(tmp_path / "missing.toml", True) == [*APPLIANCE, "talk", "--book"]
    (tmp_path / "appliance.toml").write_text("")
    assert talk_command(tmp_path / "appliance.toml", False) == [*APPLIANCE, "--config", str(tmp_path / "appliance.toml"),
                                                               "talk"]
    assert error_text("error: no microphone found [headset.no_device]") == "No microphone found"
    assert error_text("Agent: error: none") is None
