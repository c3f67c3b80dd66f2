"""Who saw what: the window's reads of patient records go to the audit log under the desk user's
login, one row when the user opens something (never per refresh), with ids and nothing of the
record; a locked store delays or drops the audit row but never the view."""

from __future__ import annotations

import json
import sys
import types

import pytest
from PySide6.QtGui import QDesktopServices

from appliance.audio import write_wav
from appliance.crm.audit_trail import desk_actor
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.messages import Messages
from gui.calendar_dialogs import BookingDialog
from gui.calendar_view import CalendarView
from gui.call_log_view import CallLogView
from gui.contacts_view import ContactsView
from gui.messages_view import TEXT, MessagesView
from tests.gui.call_data import Calls, agent, caller, minutes_ago
from tests.gui.widgets import click, replace_text, shown_loaded

PATIENT_DATA = ("Maria", "Lopez", "1980-05-03", "5551234567", "wisdom tooth", "bill")


@pytest.fixture()
def db(desk_config):
    """The store as the test sees it (its own connection), with a second patient."""
    db = open_store(desk_config.paths.data / "appliance.db")
    Contacts(db).add("John Smith", ["+15559876543"], "1975-01-20")
    yield db
    db.conn.close()


def reads(db) -> list[tuple]:
    """The audit log's reads: (actor, action, entity, entity_id, detail)."""
    return [(actor, action, entity, entity_id, json.loads(detail)) for actor, action, entity, entity_id, detail
            in db.execute("SELECT actor, action, entity, entity_id, detail_json FROM audit_log "
                          "WHERE actor LIKE 'desk:%' ORDER BY id").fetchall()]


def settled(store_worker) -> None:
    """Wait for the work queued so far (the audit writes among it)."""
    store_worker.run(lambda store: None).result(10)


def assert_no_patient_data(db) -> None:
    rows = " ".join(map(str, db.execute("SELECT * FROM audit_log WHERE actor LIKE 'desk:%'").fetchall()))
    assert not [word for word in PATIENT_DATA if word.lower() in rows.lower()], rows


@pytest.fixture()
def contacts(qtbot, store_worker, link, desk_config, db):
    return shown_loaded(qtbot, ContactsView(store_worker, link, desk_config), lambda w: w.results.rowCount(), 2)


def maria_id(db) -> int:
    return Contacts(db).search("Maria Lopez")[0].id


def test_opening_a_contact_is_one_read_and_refreshes_add_none(qtbot, contacts, store_worker, db):
    contacts.results.selectRow([contacts.results.item(r, 0).text() for r in range(2)].index("Maria Lopez"))
    qtbot.waitUntil(lambda: contacts.form.name.text() == "Maria Lopez")
    for _ in range(3):
        contacts.refresh()  # the window's timer
    settled(store_worker)
    assert reads(db) == [(desk_actor(), "view", "contact", maria_id(db), {})]
    assert_no_patient_data(db)


def test_a_search_is_a_read_of_the_contacts_it_lists_without_the_words(qtbot, contacts, store_worker, db):
    replace_text(qtbot, contacts.search, "Lopez")
    qtbot.waitUntil(lambda: contacts.results.rowCount() == 1)
    contacts.refresh()
    settled(store_worker)
    assert reads(db) == [(desk_actor(), "search", "contact", None, {"shown": [maria_id(db)]})]
    assert_no_patient_data(db)


def test_clearing_the_search_lists_everyone_without_a_read(qtbot, contacts, store_worker, db):
    contacts.search.setText("x")
    contacts.search.clear()
    contacts.search_now()
    qtbot.waitUntil(lambda: contacts.results.rowCount() == 2)
    settled(store_worker)
    assert reads(db) == []


@pytest.fixture()
def calls(db, tmp_path):
    store = Calls(db)
    ids = types.SimpleNamespace()
    ids.maria = store.add("5551234567", "", outcome="booked", started=minutes_ago(40), turns=[
        agent("Thank you for calling."), caller("my wisdom tooth hurts", 0.9)])
    ids.john = store.add("+15559876543", "", outcome="message", started=minutes_ago(20), turns=[
        caller("please call me back", 0.8)])
    ids.wav = tmp_path / "call-1.wav"
    write_wav(ids.wav, b"\0\0" * 1600)
    store.log.set_recording(ids.maria, str(ids.wav))
    return ids


@pytest.fixture()
def call_log(qtbot, store_worker, link, desk_config, calls):
    widget = CallLogView(store_worker, link, desk_config)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    widget.refresh().result(10)
    qtbot.waitUntil(lambda: widget.proxy.rowCount() == 2)
    return widget


def select_call(qtbot, view: CallLogView, call_id: int) -> None:
    ids = [view.model.calls[view.proxy.mapToSource(view.proxy.index(r, 0)).row()].id
           for r in range(view.proxy.rowCount())]
    view.table.selectRow(ids.index(call_id))
    qtbot.waitUntil(lambda: view._transcript_of == call_id)


def test_opening_a_call_and_its_recording_are_reads_refreshes_are_not(qtbot, call_log, calls, store_worker, db,
                                                                       monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", types.SimpleNamespace(play=lambda frames, rate: None,
                                                                          wait=lambda: None, stop=lambda: None))
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    select_call(qtbot, call_log, calls.maria)
    Calls(db).log.add_turn(calls.maria, "agent", "One more thing.")  # the next refresh shows it
    for _ in range(3):
        call_log.refresh().result(10)
    qtbot.waitUntil(lambda: "One more thing" in call_log.transcript.toPlainText())
    qtbot.waitUntil(call_log.play_button.isEnabled)
    click(qtbot, call_log.play_button)
    qtbot.waitUntil(lambda: call_log.play_button.text() == "&Play recording")
    click(qtbot, call_log.folder_button)
    select_call(qtbot, call_log, calls.john)
    select_call(qtbot, call_log, calls.maria)
    settled(store_worker)
    me = desk_actor()
    assert reads(db) == [(me, "view", "call", calls.maria, {}), (me, "play_recording", "call", calls.maria, {}),
                         (me, "open_recording_folder", "call", calls.maria, {}), (me, "view", "call", calls.john, {}),
                         (me, "view", "call", calls.maria, {})]
    assert_no_patient_data(db)


def test_a_call_search_is_a_read_of_the_calls_it_lists(qtbot, call_log, calls, store_worker, db):
    replace_text(qtbot, call_log.search, "wisdom")
    qtbot.waitUntil(lambda: call_log.proxy.rowCount() == 1)
    call_log.refresh().result(10)
    call_log.outcome.setCurrentIndex(call_log.outcome.findData("booked"))  # a new search with the same words
    qtbot.waitUntil(lambda: len(reads(db)) == 2)
    settled(store_worker)
    assert reads(db) == [(desk_actor(), "search", "call", None, {"shown": [calls.maria]})] * 2
    assert_no_patient_data(db)


def test_moving_to_a_message_is_a_read_once(qtbot, store_worker, link, desk_config, db):
    messages = Messages(db)
    first = messages.add("Please call me back about the bill", "+15551234567", "Maria Lopez", maria_id(db), True)
    second = messages.add("Running late", "+15559876543", "John Smith", None, False)
    view = MessagesView(store_worker, link, desk_config)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    for message_id in (first, first, second):
        view.table.setCurrentIndex(view.model.index(view.model.row_of(message_id), TEXT))
        view.refresh()
    qtbot.waitUntil(lambda: len(reads(db)) == 2)
    settled(store_worker)
    assert [(action, entity, entity_id) for _, action, entity, entity_id, _ in reads(db)] == [
        ("view", "message", first), ("view", "message", second)]
    assert_no_patient_data(db)


def test_finding_a_patient_to_book_is_a_read_of_the_matches(qtbot, store_worker, desk_config, db):
    calendar = CalendarView(store_worker, desk_config)
    qtbot.addWidget(calendar)
    qtbot.waitUntil(lambda: calendar.data is not None)
    dialog = calendar.booking_dialog()
    assert isinstance(dialog, BookingDialog)
    qtbot.keyClicks(dialog.search_edit, "Lopez")
    qtbot.waitUntil(lambda: dialog.matches.count() == 1, timeout=5000)
    settled(store_worker)
    assert reads(db) == [(desk_actor(), "search", "contact", None, {"shown": [maria_id(db)]})]
    dialog.close()


def test_a_locked_store_drops_the_audit_row_but_never_the_view(qtbot, contacts, store_worker, db, desk_config):
    locker = open_store(desk_config.paths.data / "appliance.db")
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the store past the 5 s timeout
    try:
        contacts.results.selectRow([contacts.results.item(r, 0).text() for r in range(2)].index("Maria Lopez"))
        qtbot.waitUntil(lambda: contacts.history.tabText(0) == "&Calls (0)" and contacts.editing is not None,
                        timeout=3000)  # the history is read before the audit waits on the lock
        assert contacts.form.name.text() == "Maria Lopez"
        settled(store_worker)
    finally:
        locker.execute("ROLLBACK")
        locker.conn.close()
    assert reads(db) == [] and contacts.status.text() == ""
    contacts.results.clearSelection()
    contacts.results.selectRow(0)
    settled(store_worker)
    assert len(reads(db)) == 1  # the next read is audited again
