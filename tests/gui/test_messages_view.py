"""Messages view: what the phone agent left, urgent ones highlighted, marked done and open again
with the button, Space and the checkbox, each change in the store with its audit entry; a call
back about the selected message, and how it went once the service has logged it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.messages import MessageError, Messages
from appliance.crm.timeutil import utc_text
from appliance.dialogue.records import ClinicRecords
from appliance.sip.events import CallbackEvent, CallbackState
from gui.messages_view import (
    CALLED_BACK,
    CALLER,
    CREATED,
    DONE,
    KIND,
    NUMBER,
    STATUS,
    TEXT,
    URGENT_BACKGROUND,
    MessagesView,
)

TZ = ZoneInfo("America/New_York")
URGENT = "URGENT: possible emergency. Caller said: my face is swollen"


@pytest.fixture()
def db(desk_config):
    """The store as the test sees it (its own connection)."""
    return open_store(desk_config.paths.data / "appliance.db")


@pytest.fixture()
def taken(db):
    """Two messages left the way the phone agent leaves them: a callback and an urgent one."""
    records = ClinicRecords(db, TZ, Contacts(db))
    maria = Contacts(db).search("Maria Lopez")[0]
    callback = records.take_message("Please call me back about the bill", "+15551234567", "Maria Lopez", maria.id,
                                  callback=True)
    urgent = records.take_message(URGENT, "+15550001111", "", None, callback=False)
    return {"callback": callback, "urgent": urgent}


@pytest.fixture()
def view(qtbot, store_worker, link, desk_config, taken):
    """The view showing the open messages."""
    widget = MessagesView(store_worker, link, desk_config)
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(widget.open_count_changed, check_params_cb=lambda n: n == 2):
        widget.refresh()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2)
    return widget


def cell(view: MessagesView, message_id: int, column: int, role=Qt.DisplayRole):
    model = view.model
    return model.data(model.index(model.row_of(message_id), column), role)


def select(view: MessagesView, message_id: int) -> None:
    """Make the message's row current (on its Text cell, away from the checkbox) and focus the table."""
    view.table.setCurrentIndex(view.model.index(view.model.row_of(message_id), TEXT))
    view.table.setFocus()


def stored(db, message_id: int) -> tuple:
    return db.execute("SELECT status, done_at FROM messages WHERE id = ?", [message_id]).fetchone()


def audit_actions(db, message_id: int) -> list[str]:
    return [a for (a,) in db.execute("SELECT action FROM audit_log WHERE entity = 'message' AND entity_id = ? "
                                     "AND actor = 'front_desk' ORDER BY id", [message_id]).fetchall()]


def test_lists_open_messages_with_urgent_ones_highlighted(view, db, taken):
    created = db.execute("SELECT created_at FROM messages WHERE id = ?", [taken["callback"]]).fetchone()[0]
    assert [cell(view, taken["callback"], c) for c in (CREATED, KIND, CALLER, NUMBER, TEXT, STATUS)] == [
        datetime.fromisoformat(created).astimezone(TZ).strftime("%a %d %b %Y %H:%M"), "Callback", "Maria Lopez",
        "+15551234567", "Please call me back about the bill", "Open"]
    assert [cell(view, taken["urgent"], c) for c in (KIND, CALLER)] == ["Message", "unknown"]
    assert cell(view, taken["callback"], DONE, Qt.CheckStateRole) == Qt.Unchecked
    assert cell(view, taken["urgent"], TEXT, Qt.BackgroundRole) == URGENT_BACKGROUND
    assert cell(view, taken["urgent"], TEXT, Qt.FontRole).bold()
    assert cell(view, taken["callback"], TEXT, Qt.BackgroundRole) is None
    assert view.count_label.text() == "2 open"


def test_mark_done_with_the_button_then_open_again_under_all(qtbot, view, db, taken):
    message = taken["callback"]
    select(view, message)
    assert view.toggle_button.text() == "Mar&k done"
    with qtbot.waitSignal(view.open_count_changed, check_params_cb=lambda n: n == 1):
        qtbot.mouseClick(view.toggle_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.model.row_of(message) is None, timeout=3000)
    status, done_at = stored(db, message)
    assert status == "done"
    assert abs(datetime.fromisoformat(done_at) - datetime.now(UTC)) < timedelta(minutes=1)
    assert audit_actions(db, message) == ["done"]
    assert "Marked done: callback from Maria Lopez." == view.status.text()

    view.filter.setCurrentIndex(view.filter.findText("All"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert cell(view, message, DONE, Qt.CheckStateRole) == Qt.Checked
    assert cell(view, message, STATUS).startswith("Done ")
    select(view, message)
    assert view.toggle_button.text() == "Mar&k open again"
    with qtbot.waitSignal(view.open_count_changed, check_params_cb=lambda n: n == 2):
        qtbot.mouseClick(view.toggle_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: cell(view, message, STATUS) == "Open")
    assert stored(db, message) == ("open", None)
    assert audit_actions(db, message) == ["done", "reopen"]
    assert view.model.messages[view.table.currentIndex().row()].id == message, "the row stays current"


def test_space_marks_the_current_message_done_and_moves_on(qtbot, view, db, taken):
    select(view, taken["urgent"])
    qtbot.keyClick(view.table, Qt.Key_Space)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert stored(db, taken["urgent"])[0] == "done"
    assert stored(db, taken["callback"])[0] == "open"
    assert view.current_message().id == taken["callback"], "the next message is current"
    with qtbot.waitSignal(view.open_count_changed, check_params_cb=lambda n: n == 0):
        qtbot.keyClick(view.table, Qt.Key_Space)
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert stored(db, taken["callback"])[0] == "done"
    assert not view.toggle_button.isEnabled()


def test_checkbox_marks_done_and_open_again(qtbot, view, db, taken):
    message = taken["callback"]
    view.filter.setCurrentIndex(view.filter.findText("All"))
    view.model.setData(view.model.index(view.model.row_of(message), DONE), Qt.Checked.value, Qt.CheckStateRole)
    qtbot.waitUntil(lambda: cell(view, message, DONE, Qt.CheckStateRole) == Qt.Checked)
    assert stored(db, message)[0] == "done"
    view.model.setData(view.model.index(view.model.row_of(message), DONE), Qt.Unchecked, Qt.CheckStateRole)
    qtbot.waitUntil(lambda: cell(view, message, DONE, Qt.CheckStateRole) == Qt.Unchecked)
    assert stored(db, message) == ("open", None)


def test_toggling_with_nothing_selected_says_so(qtbot, view, db, taken):
    view.toggle_current()
    assert view.status.text() == "Select a message first."
    assert [stored(db, m)[0] for m in taken.values()] == ["open", "open"]


def test_messages_api_lists_counts_and_marks_done_once(db, taken):
    messages = Messages(db)
    assert [m.id for m in messages.list()] == [taken["urgent"], taken["callback"]], "newest first"
    assert messages.get(taken["urgent"]).urgent and not messages.get(taken["callback"]).urgent
    done = messages.set_done(taken["callback"], True)
    assert done.done and done.done_at is not None
    assert messages.set_done(taken["callback"], True).done_at == done.done_at, "done twice changes nothing"
    assert audit_actions(db, taken["callback"]) == ["done"]
    assert [m.id for m in messages.list(open_only=True)] == [taken["urgent"]]
    assert [m.id for m in messages.list(open_only=False)] == [taken["urgent"], taken["callback"]]
    assert messages.open_count() == 1
    with pytest.raises(MessageError, match="no message 999"):
        messages.set_done(999, True)


def test_call_back_rings_about_the_selected_message(qtbot, view, db, taken, link, service, sent):
    assert not view.callback_button.isEnabled()  # nothing selected
    select(view, taken["callback"])
    assert view.callback_button.isEnabled()
    qtbot.mouseClick(view.callback_button, Qt.LeftButton)
    assert sent == [("call_back", {"number": "+15551234567", "message_id": taken["callback"]})]
    link.command_done.emit("call_back", "", True, {"callback_id": "cb1", "desk": "sip:desk@x"})  # the service's answer
    service.publish(CallbackEvent("cb1", "+15551234567", CallbackState.PATIENT_RINGING, taken["callback"]))
    qtbot.waitUntil(lambda: view.callback_button.status.text() == "Calling +15551234567…", timeout=3000)

    withheld = ClinicRecords(db, TZ, Contacts(db)).take_message("Call me", "", "", None, callback=True)
    view.refresh()
    qtbot.waitUntil(lambda: view.model.row_of(withheld) is not None)
    select(view, withheld)
    assert not view.callback_button.isEnabled()  # no number to call


def test_how_the_call_back_went_shows_once_it_ends(qtbot, view, db, taken, service):
    message = taken["callback"]
    assert cell(view, message, CALLED_BACK) == ""
    at = datetime(2030, 1, 7, 19, 5, tzinfo=UTC)
    db.execute("UPDATE messages SET callback_result = 'ended', called_back_at = ? WHERE id = ?",
               [utc_text(at), message])  # as the service logs it
    service.publish(CallbackEvent("cb1", "+15551234567", CallbackState.ENDED, message))
    qtbot.waitUntil(lambda: cell(view, message, CALLED_BACK) == "Mon 07 Jan 2030 14:05 — connected", timeout=3000)
    assert cell(view, taken["urgent"], CALLED_BACK) == ""
