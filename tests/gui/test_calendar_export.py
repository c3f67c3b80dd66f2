"""The calendar's ICS and CSV exports as long jobs: progress, Cancel leaving no file (not even a
partial one), a saved file whole, and a folder that cannot be written said in one sentence."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from appliance.crm.availability import local_instant
from gui.long_job import CANCELLED, DONE, FAILED
from gui.style import ERROR, OK, WARNING, tone_of
from tests.gui.jobs import hold_jobs, moved, press_cancel
from tests.gui.widgets import calendar_on, click

MONDAY = date(2030, 1, 7)


@pytest.fixture()
def view(qtbot, store_worker, desk_config):
    """The calendar on Monday 7 January 2030 with two appointments booked by the phone agent."""
    def book(store):
        maria = store.contacts.search("Maria Lopez")[0]
        provider = store.schedule.providers()[0].id
        service = store.schedule.services()[0].id
        for hhmm in ("09:00", "11:00"):
            store.appointments.book(maria.id, provider, service, local_instant(MONDAY, hhmm, store.tz),
                                    source="phone_agent")
    store_worker.run(book).result(10)
    return calendar_on(qtbot, store_worker, desk_config, MONDAY)


@pytest.fixture()
def folder(tmp_path):
    """An empty folder to export into."""
    path = tmp_path / "exports"
    path.mkdir()
    return path


def save_as(monkeypatch, path) -> None:  # noqa: ANN001
    """The save dialog answers `path`."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(path), ""))


@pytest.mark.parametrize("button, name, reading", [("ics_button", "appointments.ics", "appointment"),
                                                   ("csv_button", "appointments.csv", "appointment")])
def test_an_export_moves_and_saves_the_whole_file(qtbot, view, folder, monkeypatch, button, name, reading):
    save_as(monkeypatch, folder / name)
    hold = hold_jobs(monkeypatch)
    click(qtbot, getattr(view, button))
    assert view.export_panel.isVisible() and not view.ics_button.isEnabled() and not view.csv_button.isEnabled()
    qtbot.waitUntil(lambda: not view.export_panel.busy, timeout=10000)
    assert view.export_panel.end.state == DONE
    assert view.export_panel.words.text() == f"Saved {folder / name}." and tone_of(view.export_panel.words) == OK
    assert moved(hold.steps(reading)) and hold.steps(reading)[-1][:2] == (2, 2)
    assert moved(hold.steps("writing"))
    text = (folder / name).read_text()
    assert text.count("Maria Lopez") == 2
    assert sorted(os.listdir(folder)) == [name], "no partial file left"
    assert not stat.S_IMODE((folder / name).stat().st_mode) & 0o007, "patient data: nothing for other users"
    assert view.ics_button.isEnabled() and view.csv_button.isEnabled()


@pytest.mark.parametrize("press", ["button", "escape"])
def test_cancel_leaves_no_file(qtbot, view, folder, monkeypatch, press):
    save_as(monkeypatch, folder / "appointments.ics")
    hold = hold_jobs(monkeypatch, lambda done, total, what: what.startswith("writing") and 0 < done == total)
    click(qtbot, view.ics_button)
    qtbot.waitUntil(hold.reached.is_set, timeout=10000)
    assert os.listdir(folder) == [".appointments.ics.partial"], "every byte is written, under a temporary name"
    qtbot.waitUntil(lambda: view.export_panel.words.text() == "Exporting appointments: writing appointments.ics")
    assert view.export_panel.bar.maximum() > 0, "a bar with a length, not a busy indicator"
    assert view.export_panel.cancel_button.hasFocus()
    press_cancel(qtbot, view.export_panel, press)
    hold.release()
    qtbot.waitUntil(lambda: not view.export_panel.busy, timeout=10000)
    assert view.export_panel.end.state == CANCELLED
    assert view.export_panel.words.text() == "Export cancelled: no file was saved."
    assert tone_of(view.export_panel.words) == WARNING
    assert os.listdir(folder) == []
    assert view.ics_button.isEnabled()


def test_cancel_keeps_an_earlier_file_of_that_name(qtbot, view, folder, monkeypatch):
    (folder / "appointments.csv").write_text("last week's export\n")
    save_as(monkeypatch, folder / "appointments.csv")
    hold = hold_jobs(monkeypatch, lambda done, total, what: what.startswith("writing"))
    click(qtbot, view.csv_button)
    qtbot.waitUntil(hold.reached.is_set, timeout=10000)
    click(qtbot, view.export_panel.cancel_button)
    hold.release()
    qtbot.waitUntil(lambda: not view.export_panel.busy, timeout=10000)
    assert os.listdir(folder) == ["appointments.csv"]
    assert (folder / "appointments.csv").read_text() == "last week's export\n"


@pytest.fixture()
def unwritable(tmp_path):
    """A folder this user cannot create files in (a read-only one; /sys when running as root,
    whom permissions do not stop)."""
    path = tmp_path / "read-only"
    path.mkdir()
    path.chmod(0o555)
    try:
        (path / "probe").touch()
    except PermissionError:
        yield path
    else:
        (path / "probe").unlink()
        yield Path("/sys")
    path.chmod(0o755)


def test_an_unwritable_folder_is_said_in_one_sentence(qtbot, view, unwritable, monkeypatch):
    target = unwritable / "appointments.ics"
    save_as(monkeypatch, target)
    click(qtbot, view.ics_button)
    qtbot.waitUntil(lambda: not view.export_panel.busy, timeout=10000)
    assert view.export_panel.end.state == FAILED
    assert view.export_panel.words.text() == f"Could not save {target}: permission denied."
    assert tone_of(view.export_panel.words) == ERROR
    assert not target.exists() and not (unwritable / ".appointments.ics.partial").exists()
    assert view.ics_button.isEnabled()
