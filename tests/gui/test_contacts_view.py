"""Contacts view: search as you type, edit and add contacts (bad input refused, store untouched),
opt a patient out of reminder calls, call a contact back, and each contact's calls, appointments
and messages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from appliance.crm.appointments import Appointments
from appliance.crm.calls import CallLog
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.history import ContactHistory
from appliance.crm.schedule import Schedule
from appliance.dialogue.records import ClinicRecords
from gui.contacts_view import ContactsView
from gui.style import ERROR, tone_of
from tests.gui.widgets import shown_loaded

TZ = ZoneInfo("America/New_York")


@pytest.fixture()
def contacts(desk_config):
    """The store as the test sees it (its own connection), with a second patient."""
    found = Contacts(open_store(desk_config.paths.data / "appliance.db"))
    found.add("John Smith", ["+15559876543"], "1975-01-20")
    return found


@pytest.fixture()
def view(qtbot, store_worker, link, desk_config, contacts):
    """The view, loaded with every contact (the search starts empty)."""
    return shown_loaded(qtbot, ContactsView(store_worker, link, desk_config), lambda w: w.results.rowCount(), 2)


def maria(contacts: Contacts):
    return contacts.search("Maria Lopez")[0]


def names_listed(view: ContactsView) -> list[str]:
    return [view.results.item(row, 0).text() for row in range(view.results.rowCount())]


def search_for(qtbot, view: ContactsView, text: str) -> None:
    view.search.clear()
    qtbot.keyClicks(view.search, text)


def select(qtbot, view: ContactsView, name: str) -> None:
    view.results.selectRow(names_listed(view).index(name))
    qtbot.waitUntil(lambda: view.form.name.text() == name)


def replace_text(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def test_search_finds_the_patient_by_name_and_by_phone(qtbot, view):
    search_for(qtbot, view, "lopez")
    qtbot.waitUntil(lambda: names_listed(view) == ["Maria Lopez"])
    assert view.results.item(0, 1).text() == "+15551234567"
    assert view.results.item(0, 2).text() == "1980-05-03"
    search_for(qtbot, view, "987 65")
    qtbot.waitUntil(lambda: names_listed(view) == ["John Smith"])
    search_for(qtbot, view, "(555) 123-4567")
    qtbot.waitUntil(lambda: names_listed(view) == ["Maria Lopez"])
    search_for(qtbot, view, "nobody")
    qtbot.waitUntil(lambda: view.results.rowCount() == 0)
    assert "No contact matches" in view.result_count.text()


def test_edit_and_save_reaches_the_store(qtbot, view, contacts):
    select(qtbot, view, "Maria Lopez")
    assert view.form.phones.text() == "+15551234567"
    replace_text(qtbot, view.form.email, "maria@example.com")
    replace_text(qtbot, view.form.phones, "+15551234567, (555) 222-3333")
    replace_text(qtbot, view.form.notes, "Prefers mornings")
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.status.text() == "Saved Maria Lopez.")
    stored = maria(contacts)
    assert stored.email == "maria@example.com"
    assert stored.phones == ("+15551234567", "+15552223333")
    assert stored.notes == "Prefers mornings"
    assert view.form.phones.text() == "+15551234567, +15552223333", "the form shows the numbers as stored"
    qtbot.waitUntil(lambda: view.results.item(names_listed(view).index("Maria Lopez"), 1).text()
                    == "+15551234567, +15552223333")
    assert view.selected_contact().id == stored.id, "the edited contact stays selected"


@pytest.mark.parametrize(("field", "bad", "message"), [
    ("date_of_birth", "1980-13-45", "is not a date like 1980-05-03"),
    ("date_of_birth", "2999-01-01", "is not plausible"),
    ("phones", "+15551234567, call me", "is not a phone number"),
])
def test_bad_input_is_refused_with_a_message_and_the_store_is_unchanged(qtbot, view, contacts, field, bad, message):
    before = maria(contacts)
    select(qtbot, view, "Maria Lopez")
    replace_text(qtbot, view.form.name, "Maria Lopez-Garcia")
    replace_text(qtbot, getattr(view.form, field), bad)
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: message in view.status.text())
    assert tone_of(view.status) == ERROR, "shown as an error"
    assert contacts.get(before.id) == before
    assert view.form.name.text() == "Maria Lopez-Garcia", "what was typed is kept for correcting"
    assert getattr(view.form, field).text() == bad


def test_new_contact_is_added_with_enter_and_listed(qtbot, view, contacts):
    select(qtbot, view, "John Smith")
    qtbot.mouseClick(view.new_button, Qt.LeftButton)
    assert view.form.name.text() == "" and view.editing is None
    assert not view.results.selectionModel().selectedRows()
    qtbot.keyClicks(view.form.name, "Ana Ruiz")
    qtbot.keyClicks(view.form.phones, "555 444 1212")
    qtbot.keyClicks(view.form.date_of_birth, "1992-07-14")
    qtbot.keyClick(view.form.date_of_birth, Qt.Key_Return)
    qtbot.waitUntil(lambda: view.status.text() == "Saved Ana Ruiz.")
    [ana] = contacts.search("Ana Ruiz")
    assert (ana.phones, ana.date_of_birth) == (("+15554441212",), "1992-07-14")
    assert view.editing == ana.id
    qtbot.waitUntil(lambda: "Ana Ruiz" in names_listed(view))
    assert view.selected_contact().id == ana.id
    assert contacts.get(maria(contacts).id).name == "Maria Lopez", "John and Maria untouched"


def test_new_contact_without_a_name_is_refused(qtbot, view, contacts):
    qtbot.mouseClick(view.new_button, Qt.LeftButton)
    qtbot.keyClicks(view.form.phones, "555 444 1212")
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "a contact needs a name" in view.status.text())
    assert len(contacts.search("")) == 2
    assert view.form.phones.text() == "555 444 1212"


def test_history_shows_the_contacts_calls_appointments_and_messages(qtbot, view, contacts):
    db, patient = contacts.db, maria(contacts)
    calls = CallLog(db)
    theirs = calls.start("5551234567", "LOPEZ MARIA")  # caller ID as the trunk sent it, not E.164
    calls.end(theirs, "completed")
    calls.end(calls.start("+15559876543", "SMITH JOHN"), "abandoned")
    schedule = Schedule(db)
    patel = next(p.id for p in schedule.providers() if p.name == "Dr. Patel")
    checkup = next(s.id for s in schedule.services() if s.name == "check-up")
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    Appointments(db, TZ).book(patient.id, patel, checkup, datetime.combine(monday, time(10), TZ), "front_desk")
    records = ClinicRecords(db, TZ, contacts)
    records.take_message("Please call me back about my crown", "+15551234567", "Maria Lopez", None, callback=True)
    records.take_message("Running late", "anonymous", "Maria Lopez", patient.id, callback=False)
    records.take_message("Lost my card", "+15559876543", "John Smith", None, callback=False)

    select(qtbot, view, "Maria Lopez")
    qtbot.waitUntil(lambda: view.messages.rowCount() == 2)
    assert view.calls.rowCount() == 1
    assert view.calls.item(0, 1).text() == "Completed"
    [started] = db.execute("SELECT started_at FROM calls WHERE id = ?", [theirs]).fetchone()
    assert view.calls.item(0, 0).text() == datetime.fromisoformat(started).astimezone(TZ).strftime("%a %d %b %Y %H:%M")
    assert [view.appointments.item(0, c).text() for c in range(4)] == [
        f"{monday:%a %d %b %Y} 10:00", "check-up", "Dr. Patel", "Booked"]
    assert {tuple(view.messages.item(r, c).text() for c in (1, 2, 3)) for r in range(2)} == {
        ("Callback", "Please call me back about my crown", "Open"), ("Message", "Running late", "Open")}
    assert [view.history.tabText(i) for i in range(3)] == ["&Calls (1)", "Appo&intments (1)", "Messa&ges (2)"]

    select(qtbot, view, "John Smith")
    qtbot.waitUntil(lambda: view.history.tabText(0) == "&Calls (1)" and view.messages.rowCount() == 1)
    assert view.calls.item(0, 1).text() == "Hung up before speaking"
    assert view.appointments.rowCount() == 0


def test_history_matches_caller_ids_in_e164_only(contacts):
    patient = maria(contacts)
    log = CallLog(contacts.db)
    for raw in ("+15551234567", "15551234567", "555-123-4567", "sip:5551234567", "+449991234567", "anonymous"):
        log.start(raw, "")
    found = [c.caller_number for c in ContactHistory(contacts).calls(patient)]
    assert sorted(found) == sorted(["+15551234567", "15551234567", "555-123-4567", "sip:5551234567"])


def test_a_patient_is_opted_out_of_reminder_calls_and_back_in(qtbot, view, contacts):
    select(qtbot, view, "Maria Lopez")
    box = view.form.reminder_calls
    assert box.isChecked() and box.text() == "Gets &reminder calls"
    qtbot.mouseClick(box, Qt.LeftButton)
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.status.text() == "Saved Maria Lopez.")
    assert maria(contacts).reminder_calls is False
    select(qtbot, view, "John Smith")
    assert box.isChecked()
    select(qtbot, view, "Maria Lopez")
    assert not box.isChecked()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key_Space)
    qtbot.keyClick(view.form.name, Qt.Key_Return)
    qtbot.waitUntil(lambda: maria(contacts).reminder_calls is True)


def test_a_new_patient_can_be_opted_out_from_the_start(qtbot, view, contacts):
    qtbot.mouseClick(view.new_button, Qt.LeftButton)
    assert view.form.reminder_calls.isChecked()
    qtbot.keyClicks(view.form.name, "Ana Ruiz")
    view.form.reminder_calls.setChecked(False)
    qtbot.mouseClick(view.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.status.text() == "Saved Ana Ruiz.")
    [ana] = contacts.search("Ana Ruiz")
    assert ana.reminder_calls is False and not view.form.reminder_calls.isChecked()


def test_call_back_rings_the_contacts_first_phone(qtbot, view, contacts, service, sent):
    assert not view.callback_button.isEnabled()  # no contact yet
    contacts.update(maria(contacts).id, phones=["+15552223333", "+15551234567"])
    view.refresh()
    qtbot.waitUntil(lambda: view.results.item(names_listed(view).index("Maria Lopez"), 1).text()
                    == "+15551234567, +15552223333")
    select(qtbot, view, "Maria Lopez")
    assert view.callback_button.isEnabled() and view.callback_button.text() == "Call bac&k"
    qtbot.mouseClick(view.callback_button, Qt.LeftButton)
    assert sent == [("call_back", {"number": "+15551234567", "message_id": None})]
    qtbot.mouseClick(view.new_button, Qt.LeftButton)
    assert not view.callback_button.isEnabled()
