"""Import contacts from CSV in the Contacts tab: progress, Cancel rolling every row back, the good
rows saved and the bad ones listed, and a file that cannot be imported said in one sentence."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog

from appliance.crm.db import open_store
from gui.contacts_view import ContactsView
from gui.long_job import CANCELLED, DONE, FAILED
from gui.style import ERROR, OK, WARNING, tone_of
from tests.gui.jobs import hold_jobs, moved, press_cancel
from tests.gui.widgets import click, shown_loaded

GOOD = ("name,phone,date_of_birth,email,notes\n"
        "Ann Lee,555 000 1111;555 000 2222,1970-01-31,ann@example.org,\n"
        "Bob Stone,5550003333,,,\n"
        "Cleo Park,+44 20 7946 0958,,,VIP\n")


@pytest.fixture()
def db(desk_config):
    """The store as the test sees it (its own connection)."""
    return open_store(desk_config.paths.data / "appliance.db")


@pytest.fixture()
def view(qtbot, store_worker, link, desk_config):
    """The contacts view with the demo clinic's contacts listed."""
    return shown_loaded(qtbot, ContactsView(store_worker, link, desk_config), lambda w: w.results.rowCount(), 1)


def counts(db) -> tuple[int, int, int]:  # noqa: ANN001
    """Contacts, their audit entries by the import, and events queued for the outside CRM."""
    return tuple(db.execute(sql).fetchone()[0] for sql in (
        "SELECT COUNT(*) FROM contacts", "SELECT COUNT(*) FROM audit_log WHERE actor = 'import'",
        "SELECT COUNT(*) FROM outbox"))


def choose(monkeypatch, path) -> None:  # noqa: ANN001
    """The open dialog answers `path`."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))


def test_an_import_moves_saves_the_good_rows_and_lists_the_bad(qtbot, view, db, tmp_path, monkeypatch):
    path = tmp_path / "patients.csv"
    path.write_text(GOOD + ",5550004444,,,\nDan Bad,call me,,,\n", encoding="utf-8-sig")
    before = counts(db)
    choose(monkeypatch, path)
    hold = hold_jobs(monkeypatch)
    importer = view.importer
    assert importer.button.text() == "Import contacts &from CSV..." and importer.button.accessibleName()
    click(qtbot, importer.button)
    assert importer.panel.isVisible() and not importer.button.isEnabled()
    qtbot.waitUntil(lambda: not importer.panel.busy, timeout=10000)
    assert importer.panel.end.state == DONE
    assert importer.panel.words.text() == ("Imported 3 contacts from patients.csv; 2 rows left out "
                                           "(line 5: a contact needs a name; line 6: 'call me' is not a phone "
                                           "number).")
    assert tone_of(importer.panel.words) == WARNING
    assert moved(hold.reports) and hold.reports[-1][:2] == (10, 10)
    assert counts(db)[0] == before[0] + 3 and counts(db)[1] == before[1] + 3
    qtbot.waitUntil(lambda: view.results.rowCount() == 4, timeout=10000)  # the list is read again
    assert importer.button.isEnabled()


def test_a_clean_import_is_said_plainly(qtbot, view, tmp_path, monkeypatch):
    path = tmp_path / "patients.csv"
    path.write_text(GOOD)
    choose(monkeypatch, path)
    click(qtbot, view.importer.button)
    qtbot.waitUntil(lambda: not view.importer.panel.busy, timeout=10000)
    assert view.importer.panel.words.text() == "Imported 3 contacts from patients.csv."
    assert tone_of(view.importer.panel.words) == OK


@pytest.mark.parametrize("press", ["button", "escape"])
def test_cancel_rolls_every_row_back(qtbot, view, db, tmp_path, monkeypatch, press):
    path = tmp_path / "patients.csv"
    path.write_text(GOOD)
    before = counts(db)
    choose(monkeypatch, path)
    # held after the last row is written, before the transaction commits
    hold = hold_jobs(monkeypatch, lambda done, total, what: what.startswith("saving") and done == total)
    click(qtbot, view.importer.button)
    qtbot.waitUntil(hold.reached.is_set, timeout=10000)
    qtbot.waitUntil(lambda: view.importer.panel.words.text().startswith("Importing contacts: saving contact"))
    assert view.importer.panel.bar.value() > 0
    assert counts(db) == before, "nothing is visible before the import commits"
    press_cancel(qtbot, view.importer.panel, press)
    hold.release()
    qtbot.waitUntil(lambda: not view.importer.panel.busy, timeout=10000)
    assert view.importer.panel.end.state == CANCELLED
    assert view.importer.panel.words.text() == "Import cancelled: no contact was saved."
    assert counts(db) == before, "no contact, no audit entry, no outbox event"
    assert view.importer.button.isEnabled()


@pytest.mark.parametrize("content, reason", [
    ("who,phone\nAnn,5550001111\n",
     "the header needs a 'name' column; the columns are name, phone (several separated by ';'), "
     "date_of_birth (YYYY-MM-DD), email, notes."),
    ("name\nJos\xe9\n".encode("latin-1"),
     "bad.csv is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8' and try again."),
])
def test_a_file_that_cannot_be_imported_is_said_in_one_sentence(qtbot, view, db, tmp_path, monkeypatch,
                                                                  content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = counts(db)
    choose(monkeypatch, path)
    click(qtbot, view.importer.button)
    qtbot.waitUntil(lambda: not view.importer.panel.busy, timeout=10000)
    assert view.importer.panel.end.state == FAILED
    assert view.importer.panel.words.text() == f"Nothing was imported from {path}: {reason}"
    assert tone_of(view.importer.panel.words) == ERROR
    assert counts(db) == before
