"""The day at a glance on a real store: the day's appointments next to the calls that made or
changed them (opened with a double-click or Enter), the open messages marked done in one step
(button, Ctrl+D, Enter, Space or the Done box), and the day's hand-overs with their reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QGroupBox,
    QLabel,
    QSplitter,
    QTableWidget,
)

from appliance.crm.day_glance import DayGlanceReader
from appliance.crm.db import StoreError
from appliance.crm.messages import Messages
from gui.day_view import A_CALL, A_PATIENT, A_STATUS, A_TIME, H_REASON, M_DONE, M_KIND, M_TEXT, DayView
from gui.messages_view import URGENT_BACKGROUND
from gui.style import ERROR, tone_of
from tests.crm.day_data import MARIA_NUMBER, MONDAY, Demo, local

ASKED, UNCLEAR = "the caller asked for a person", "the agent did not understand the caller twice"


@pytest.fixture()
def demo(desk_config):
    """The window's store, written to as the service and the front desk write it."""
    demo = Demo.open(desk_config.paths.data / "appliance.db")
    yield demo
    demo.close()


@pytest.fixture()
def day(demo):
    """Monday: Maria's check-up booked by phone on Friday and moved by phone on Monday, Ana's
    visit booked at the desk; a message from last week and an urgent one; three hand-overs."""
    friday = MONDAY - timedelta(days=3)
    booking = demo.call(local(friday, 14), MARIA_NUMBER, "LOPEZ M", "booked")
    checkup = demo.book(demo.maria, "Dr. Patel", "check-up", local(MONDAY, 9), local(friday, 14, 2), booking)
    move = demo.call(local(MONDAY, 8, 10), MARIA_NUMBER, "", "rescheduled")
    with time_machine.travel(local(MONDAY, 8, 11), tick=False):
        demo.by_phone(move).reschedule(checkup, demo.slot("Dr. Patel", "check-up", local(MONDAY, 10)))
    ana = demo.contacts.add("Ana Silva", ["+15552010001"], "1990-07-07")
    demo.book(ana.id, "Dr. Okafor", "filling", local(MONDAY, 11), local(friday, 9))
    messages = Messages(demo.db)
    old = messages.add("Please call me about my bill", MARIA_NUMBER, "Maria Lopez", demo.maria, True,
                       created_at="2030-06-03T14:00:00Z")
    urgent = messages.add("URGENT: possible emergency. Caller said: my face is swollen", "+15550001111", "", None,
                          False, created_at="2030-06-10T13:30:00Z")
    handovers = [demo.hand_over(local(MONDAY, 9, 10), MARIA_NUMBER, ASKED),
                 demo.hand_over(local(MONDAY, 10, 20), "+15550001111", UNCLEAR),
                 demo.hand_over(local(MONDAY, 12), "+15550002222", ASKED)]
    return {"booking": booking, "move": move, "old": old, "urgent": urgent, "handovers": handovers}


@pytest.fixture()
def view(qtbot, store_worker, desk_config, day):
    widget = DayView(store_worker, desk_config, MONDAY)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.refresh().result(10)
    qtbot.waitUntil(lambda: widget.glance is not None)
    return widget


def text(table: QTableWidget, row: int, column: int) -> str:
    return table.item(row, column).text()


def column(table: QTableWidget, col: int) -> list[str]:
    return [text(table, row, col) for row in range(table.rowCount())]


def headers(table: QTableWidget) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def double_click(qtbot, table: QTableWidget, pos) -> None:  # noqa: ANN001
    """A double click as the mouse makes it: a click, then the second press (QTest sends only that)."""
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def status_of(demo: Demo, message_id: int) -> str:
    return demo.db.execute("SELECT status FROM messages WHERE id = ?", [message_id]).fetchone()[0]


def test_appointments_sit_next_to_the_calls_that_made_or_changed_them(view, day):
    table = view.appointments_table
    assert view.appointments_box.title() == "Appointments on Mon 10 Jun (2)"
    assert view.day_label.text() == "Monday 10 June 2030"
    assert headers(table) == ["Time", "Patient", "Service", "Dentist", "Status", "Reminder call", "Calls"]
    assert table.rowCount() == 3, "one row per call; a visit without calls has one row"
    assert column(table, A_TIME) == ["10:00", "", "11:00"]
    assert column(table, A_PATIENT) == ["Maria Lopez", "", "Ana Silva"]
    assert table.item(1, A_PATIENT).data(Qt.ItemDataRole.AccessibleTextRole) == "Maria Lopez"
    assert column(table, A_STATUS) == ["Booked", "", "Booked"]
    assert column(table, A_CALL) == [
        "Fri 07 Jun 2030 14:00 · booked · Maria Lopez (+15551234567) · Booked",
        "Mon 10 Jun 2030 08:10 · moved · Maria Lopez (+15551234567) · Rescheduled", ""]
    assert [view.appointment_call(r).call.id if view.appointment_call(r) else None for r in range(3)] == [
        day["booking"], day["move"], None]


def test_a_call_opens_with_a_double_click_or_enter(qtbot, view, day):
    table = view.appointments_table
    with qtbot.waitSignal(view.open_call, check_params_cb=lambda call_id: call_id == day["move"]):
        double_click(qtbot, table, table.visualItemRect(table.item(1, A_CALL)).center())
    table.setFocus()
    table.setCurrentCell(0, A_CALL)
    with qtbot.waitSignal(view.open_call, check_params_cb=lambda call_id: call_id == day["booking"]):
        qtbot.keyClick(table, Qt.Key.Key_Return)
    table.setCurrentCell(2, A_CALL)
    with qtbot.assertNotEmitted(view.open_call):
        qtbot.keyClick(table, Qt.Key.Key_Return)  # booked at the desk: no call to open
    handovers = view.handovers_table
    handovers.setFocus()
    handovers.setCurrentCell(1, H_REASON)
    with qtbot.waitSignal(view.open_call, check_params_cb=lambda call_id: call_id == day["handovers"][1]):
        qtbot.keyClick(handovers, Qt.Key.Key_Enter)


def test_open_messages_oldest_first_the_urgent_one_flagged(view, day):
    table = view.messages_table
    assert view.messages_box.title() == "Messages and call-backs to follow up (2 open, 1 urgent)"
    assert headers(table) == ["Done", "Received", "Kind", "Caller", "Number", "Message"]
    assert [m.id for m in view.messages] == [day["old"], day["urgent"]]
    assert column(table, M_KIND) == ["Callback", "Message, URGENT"]
    assert table.item(1, M_TEXT).background().color() == URGENT_BACKGROUND and table.item(1, M_TEXT).font().bold()
    assert not table.item(0, M_TEXT).font().bold()
    assert table.item(0, M_DONE).checkState() == Qt.CheckState.Unchecked
    assert view.open_label.text() == "2 open, 1 urgent"


def test_mark_done_with_the_button_the_row_leaves_the_list(qtbot, view, demo, day):
    assert not view.done_button.isEnabled(), "nothing selected yet"
    view.messages_table.setCurrentCell(0, M_TEXT)
    assert view.done_button.isEnabled()
    with qtbot.waitSignal(view.message_done, check_params_cb=lambda mid: mid == day["old"]):
        qtbot.mouseClick(view.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [m.id for m in view.messages] == [day["urgent"]])
    assert status_of(demo, day["old"]) == "done"
    assert view.status.text() == "Marked done: callback from Maria Lopez."
    assert view.current_message().id == day["urgent"], "the next message is current"
    assert view.messages_box.title() == "Messages and call-backs to follow up (1 open, 1 urgent)"
    actions = demo.db.execute("SELECT actor, action FROM audit_log WHERE entity = 'message' AND entity_id = ? "
                              "ORDER BY id", [day["old"]]).fetchall()
    assert [a for _, a in actions] == ["create", "view", "done"] and actions[-1][0] == "front_desk"


@pytest.mark.parametrize("key", [Qt.Key.Key_Space, Qt.Key.Key_Return, "ctrl+d"])
def test_mark_done_from_the_keyboard(qtbot, view, demo, day, key):
    table = view.messages_table
    table.setFocus()
    table.setCurrentCell(1, M_TEXT)
    if key == "ctrl+d":
        qtbot.keyClick(table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.keyClick(table, key)
    qtbot.waitUntil(lambda: [m.id for m in view.messages] == [day["old"]])
    assert status_of(demo, day["urgent"]) == "done" and status_of(demo, day["old"]) == "open"


def test_ticking_the_done_box_marks_it_done(qtbot, view, demo, day):
    view.messages_table.item(0, M_DONE).setCheckState(Qt.CheckState.Checked)  # as a click on the box does
    qtbot.waitUntil(lambda: [m.id for m in view.messages] == [day["urgent"]])
    assert status_of(demo, day["old"]) == "done"


def test_mark_done_with_nothing_selected_says_so(view, demo, day):
    assert view.mark_done() is None
    assert view.status.text() == "Select a message first." and tone_of(view.status) == ERROR
    assert [status_of(demo, m) for m in (day["old"], day["urgent"])] == ["open", "open"]


def test_what_the_agent_could_not_handle_with_a_tally_of_reasons(view, day):
    table = view.handovers_table
    assert view.handovers_box.title() == "What the agent could not handle on Mon 10 Jun (3)"
    assert headers(table) == ["Time", "Caller", "Reason", "Handed to", "Outcome", "Summary"]
    assert [[text(table, r, c) for c in range(table.columnCount())] for r in range(table.rowCount())] == [
        ["09:10", "Maria Lopez (+15551234567)", ASKED, "front desk", "Transferred to staff", f"Handover: {ASKED}."],
        ["10:20", "+15550001111", UNCLEAR, "front desk", "Transferred to staff", f"Handover: {UNCLEAR}."],
        ["12:00", "+15550002222", ASKED, "front desk", "Transferred to staff", f"Handover: {ASKED}."]]
    reasons = view.reasons_table
    assert headers(reasons) == ["Hand-overs", "Reason"]
    assert [[text(reasons, r, c) for c in range(2)] for r in range(reasons.rowCount())] == [["2", ASKED],
                                                                                          ["1", UNCLEAR]]


def test_every_control_is_named_and_reached_with_tab(qtbot, view):
    tables = view.findChildren(QTableWidget)
    assert sorted(t.objectName() for t in tables) == ["day_appointments", "day_handover_reasons", "day_handovers",
                                                      "day_messages"]
    for widget in [*tables, *view.findChildren(QAbstractButton), *view.findChildren(QGroupBox),
                   *view.findChildren(QLabel)]:
        if widget.isVisibleTo(view):
            assert widget.accessibleName(), f"{widget!r} has no accessible name"
    assert sorted(s.objectName() for s in view.findChildren(QSplitter)) == ["day_handover_split", "day_split"]
    for table in tables:
        assert table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
        assert all(table.horizontalHeaderItem(c).text() for c in range(table.columnCount()))
    view.messages_table.setCurrentCell(0, M_TEXT)  # the Done button acts on a selected message
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    view.appointments_table.setFocus()
    reached = [QApplication.focusWidget()]
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert reached == [view.appointments_table, view.done_button, view.messages_table, view.handovers_table,
                       view.reasons_table]


def test_a_refresh_with_nothing_new_leaves_the_tables_alone(qtbot, view, demo, day):
    view.messages_table.setCurrentCell(1, M_TEXT)
    first = view.messages_table.item(0, M_TEXT)
    view.refresh().result(10)
    qtbot.wait(50)
    assert view.messages_table.item(0, M_TEXT) is first and view.current_message().id == day["urgent"]
    Messages(demo.db).add("Call me", "+15550003333", "Sam", None, True)  # something new: re-filled, row kept
    view.refresh().result(10)
    qtbot.waitUntil(lambda: len(view.messages) == 3)
    assert view.current_message().id == day["urgent"]


def test_today_unless_another_day_is_asked_for(qtbot, store_worker, desk_config, demo):
    demo.by_phone(None).record_handover(ASKED, "", "front desk", "transfer")  # now (the real clock): today's
    widget = DayView(store_worker, desk_config)
    qtbot.addWidget(widget)
    widget.refresh().result(10)
    qtbot.waitUntil(lambda: widget.glance is not None)
    assert widget.day_label.text().startswith("Today, ")
    assert widget.appointments_box.title() == "Today's appointments (0)"
    assert widget.handovers_box.title() == "What the agent could not handle today (1)"
    widget.set_day(MONDAY).result(10)
    qtbot.waitUntil(lambda: widget.glance.day == MONDAY)
    assert widget.handovers_box.title() == "What the agent could not handle on Mon 10 Jun (0)"


def test_a_store_failure_is_shown(qtbot, view, monkeypatch):
    def locked(*args):
        raise StoreError("the store is locked")
    monkeypatch.setattr(DayGlanceReader, "read", locked)
    with pytest.raises(StoreError):
        view.refresh().result(10)
    qtbot.waitUntil(lambda: "the store is locked" in view.status.text())
    assert view.status.text().startswith("Could not read the day at a glance: the store is locked")
    assert tone_of(view.status) == ERROR
    assert view.appointments_table.rowCount() == 3, "what was read before stays"
    monkeypatch.undo()
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.status.text() == "")
