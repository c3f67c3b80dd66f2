"""The calendar view: the seeded week, booking, double booking, moving, cancelling, exports and
navigation, driven through the widgets against a real store."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QFileDialog, QMessageBox

from appliance.crm.availability import local_instant
from gui.calendar_dialogs import BookingDialog, MoveDialog
from gui.calendar_view import COLORS
from tests.gui.widgets import calendar_on

MONDAY = date(2030, 1, 7)  # New York is on EST (UTC-5) then
SATURDAY, SUNDAY = date(2030, 1, 12), date(2030, 1, 13)


@pytest.fixture()
def view(qtbot, store_worker, desk_config):
    """The calendar on Monday 7 January 2030, day view, all providers."""
    return calendar_on(qtbot, store_worker, desk_config, MONDAY)


def ids(view) -> dict[str, int]:
    """Provider and service ids by name."""
    choices = view.data.choices
    return {p.name: p.id for p in choices.providers} | {s.name: s.id for s in choices.services}


def in_store(worker, fn):
    """Run `fn(store)` on the worker and return its result."""
    return worker.run(fn).result(10)


def book_in_store(worker, view, hhmm, provider="Dr. Patel", service="check-up", day=MONDAY):
    """Maria Lopez booked the way the phone agent does it."""
    def book(store):
        maria = store.contacts.search("Maria Lopez")[0]
        return store.appointments.book(maria.id, ids(view)[provider], ids(view)[service],
                                       local_instant(day, hhmm, store.tz), source="phone_agent")
    return in_store(worker, book)


def booked_on(worker, day=MONDAY):
    """The booked appointments of `day`."""
    def read(store):
        start = local_instant(day, "00:00", store.tz)
        return store.appointments.between(start, local_instant(date.fromordinal(day.toordinal() + 1), "00:00",
                                                                store.tz))
    return in_store(worker, read)


def reload(qtbot, view):
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.refresh()


def where(view, day, hhmm, provider="Dr. Patel"):
    """(row, column) of a provider's cell."""
    for row, line in enumerate(view.cells):
        for column, cell in enumerate(line):
            if cell.key() == (day, ids(view)[provider], hhmm):
                return row, column
    raise AssertionError(f"no cell {day} {hhmm} {provider}")


def cell(view, day, hhmm, provider="Dr. Patel"):
    row, column = where(view, day, hhmm, provider)
    return view.cells[row][column]


def click_cell(qtbot, view, day, hhmm, provider="Dr. Patel"):
    item = view.table.item(*where(view, day, hhmm, provider))
    view.table.scrollToItem(item)
    qtbot.mouseClick(view.table.viewport(), Qt.LeftButton, pos=view.table.visualItemRect(item).center())
    assert view.current_cell() == cell(view, day, hhmm, provider)


def choose(qtbot, view, widget, text):
    """Pick a combo entry and wait for the reload it causes."""
    with qtbot.waitSignal(view.loaded, timeout=10000):
        widget.setCurrentIndex(widget.findText(text))


def find_patient(qtbot, dialog, text):
    qtbot.keyClicks(dialog.search_edit, text)
    qtbot.waitUntil(lambda: dialog.matches.count() == 1, timeout=5000)


def test_week_shows_the_seeded_schedule(qtbot, view):
    with qtbot.waitSignal(view.loaded, timeout=10000):
        qtbot.mouseClick(view.week_button, Qt.LeftButton)
    choose(qtbot, view, view.provider_combo, "Dr. Patel")

    headers = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert headers == ["Mon 07 Jan", "Tue 08 Jan", "Wed 09 Jan", "Thu 10 Jan", "Fri 11 Jan", "Sat 12 Jan", "Sun 13 Jan"]
    rows = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
    assert rows[0] == "08:00" and rows[-1] == "17:45" and len(rows) == 40
    assert view.title.text() == "Week of Monday 07 January 2030 — Dr. Patel"
    assert cell(view, MONDAY, "08:00").state == "free"
    assert cell(view, MONDAY, "17:30").state == "free"
    assert cell(view, MONDAY, "17:45").state == "open"  # the shortest service (30 min) no longer fits
    assert cell(view, SATURDAY, "12:30").state == "free"
    assert cell(view, SATURDAY, "13:00").state == "closed"
    assert cell(view, SATURDAY, "08:45").state == "closed"
    assert {cell(view, SUNDAY, hhmm).state for hhmm in rows} == {"closed"}
    assert view.table.item(*where(view, MONDAY, "09:00")).background().color().name() == COLORS["free"]
    assert view.table.item(*where(view, SUNDAY, "09:00")).background().color().name() == COLORS["closed"]


def test_day_view_has_a_column_per_provider(qtbot, view):
    headers = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert headers == ["Dr. Patel", "Dr. Okafor"]
    assert view.title.text() == "Monday 07 January 2030 — all providers"


def test_book_through_the_dialog(qtbot, view, store_worker):
    click_cell(qtbot, view, MONDAY, "10:00")
    qtbot.keyClick(view.table, Qt.Key_Return)
    dialog = view.dialog
    assert isinstance(dialog, BookingDialog) and dialog.isVisible()
    assert dialog.date_edit.date() == QDate(2030, 1, 7)
    assert dialog.time_edit.time() == QTime(10, 0)
    assert dialog.provider_combo.currentText() == "Dr. Patel"

    find_patient(qtbot, dialog, "lopez")
    assert dialog.matches.item(0).text().startswith("Maria Lopez — +15551234567")
    dialog.service_combo.setCurrentIndex(dialog.service_combo.findData(ids(view)["cleaning"]))
    assert dialog.provider_combo.currentText() == "Dr. Patel"
    with qtbot.waitSignal(view.appointments_changed, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: cell(view, MONDAY, "10:00").state == "booked", timeout=5000)

    assert view.table.item(*where(view, MONDAY, "10:00")).text() == "10:00–10:45 Maria Lopez"
    assert view.table.item(*where(view, MONDAY, "10:15")).text() == "cleaning"
    assert cell(view, MONDAY, "10:30").state == "booked"
    assert cell(view, MONDAY, "10:45").state == "free"
    assert cell(view, MONDAY, "10:00", "Dr. Okafor").state == "free"
    assert view.status.text().startswith("Booked: Maria Lopez, cleaning with Dr. Patel on Mon 07 Jan 10:00")
    [stored] = booked_on(store_worker)
    assert (stored.provider_id, stored.service_id, stored.source) == (ids(view)["Dr. Patel"], ids(view)["cleaning"],
                                                                      "front_desk")
    assert stored.starts_at == datetime(2030, 1, 7, 15, 0, tzinfo=UTC)


def test_a_taken_slot_is_refused_and_nothing_is_lost(qtbot, view, store_worker):
    click_cell(qtbot, view, MONDAY, "10:00")
    taken = book_in_store(store_worker, view, "10:00")  # the phone agent was faster; the grid is not reloaded yet
    assert cell(view, MONDAY, "10:00").state == "free"
    qtbot.mouseClick(view.book_button, Qt.LeftButton)
    dialog = view.dialog
    find_patient(qtbot, dialog, "555 123")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    qtbot.waitUntil(lambda: "taken" in dialog.status.text(), timeout=10000)
    assert dialog.status.text() == "That time was just taken; please choose another slot"
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert dialog.time_edit.time() == QTime(10, 0) and dialog.matches.currentRow() == 0
    assert [a.id for a in booked_on(store_worker)] == [taken.id]
    qtbot.waitUntil(lambda: cell(view, MONDAY, "10:00").state == "booked", timeout=5000)
    assert view.table.item(*where(view, MONDAY, "10:00")).text() == "10:00–10:30 ☎ Maria Lopez"

    dialog.time_edit.setTime(QTime(10, 30))
    with qtbot.waitSignal(view.appointments_changed, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert [a.starts_at.hour for a in booked_on(store_worker)] == [15, 15]
    assert [a.starts_at.minute for a in booked_on(store_worker)] == [0, 30]


def test_a_new_patient_is_added_once_even_when_the_slot_is_taken(qtbot, view, store_worker):
    book_in_store(store_worker, view, "09:00", provider="Dr. Okafor")
    click_cell(qtbot, view, MONDAY, "09:00", "Dr. Okafor")
    dialog = view.book()
    qtbot.keyClick(dialog.new_patient, Qt.Key_Space)
    qtbot.keyClicks(dialog.name_edit, "John Smith")
    qtbot.keyClicks(dialog.phone_edit, "555 987 6543")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "taken" in dialog.status.text(), timeout=10000)

    assert not dialog.new_patient.isChecked()
    assert dialog.matches.currentItem().text() == "John Smith — +15559876543"
    dialog.time_edit.setTime(QTime(9, 30))
    with qtbot.waitSignal(view.appointments_changed, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    johns = in_store(store_worker, lambda store: store.contacts.search("Smith"))
    assert len(johns) == 1
    assert [a.contact_id for a in booked_on(store_worker)][-1] == johns[0].id


def test_booking_without_a_patient_says_what_is_missing(qtbot, view, store_worker):
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key_B, Qt.ControlModifier)
    dialog = view.dialog
    assert isinstance(dialog, BookingDialog) and dialog.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert dialog.status.text() == "Find the patient and pick them in the list, or tick New patient."
    qtbot.keyClick(dialog.new_patient, Qt.Key_Space)
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert dialog.status.text() == "Type the new patient's name."
    assert dialog.isVisible() and booked_on(store_worker) == []


def test_move_an_appointment_to_another_time_and_provider(qtbot, view, store_worker):
    appointment = book_in_store(store_worker, view, "09:00")
    reload(qtbot, view)
    assert not view.move_button.isEnabled()
    click_cell(qtbot, view, MONDAY, "09:15")  # any row of the appointment
    assert view.move_button.isEnabled()
    qtbot.mouseClick(view.move_button, Qt.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, MoveDialog)
    assert dialog.time_edit.time() == QTime(9, 0) and dialog.provider_combo.currentText() == "Dr. Patel"

    dialog.time_edit.setTime(QTime(11, 0))
    dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findText("Dr. Okafor"))
    with qtbot.waitSignal(view.appointments_changed, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: cell(view, MONDAY, "11:00", "Dr. Okafor").state == "booked", timeout=5000)

    assert cell(view, MONDAY, "09:00").state == "free"
    assert view.status.text().startswith("Moved: Maria Lopez, check-up with Dr. Okafor on Mon 07 Jan 11:00")
    moved = in_store(store_worker, lambda store: store.appointments.get(appointment.id))
    assert moved.provider_id == ids(view)["Dr. Okafor"]
    assert moved.starts_at == datetime(2030, 1, 7, 16, 0, tzinfo=UTC) and moved.version == 2


def test_moving_a_changed_appointment_is_refused(qtbot, view, store_worker):
    appointment = book_in_store(store_worker, view, "09:00")
    reload(qtbot, view)
    in_store(store_worker, lambda store: store.appointments.reschedule(
        appointment.id, local_instant(MONDAY, "09:30", store.tz), actor="phone_agent"))
    click_cell(qtbot, view, MONDAY, "09:00")  # still shows the old time
    qtbot.keyClick(view.table, Qt.Key_Return)
    dialog = view.dialog
    assert isinstance(dialog, MoveDialog)
    dialog.time_edit.setTime(QTime(12, 0))
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    qtbot.waitUntil(lambda: "changed by someone else" in dialog.status.text(), timeout=10000)
    stored = in_store(store_worker, lambda store: store.appointments.get(appointment.id))
    assert stored.starts_at == datetime(2030, 1, 7, 14, 30, tzinfo=UTC)
    qtbot.waitUntil(lambda: cell(view, MONDAY, "09:30").first, timeout=5000)


def test_cancel_an_appointment_after_confirming(qtbot, view, store_worker, monkeypatch):
    appointment = book_in_store(store_worker, view, "09:00")
    reload(qtbot, view)
    click_cell(qtbot, view, MONDAY, "09:00")
    questions, answers = [], [QMessageBox.No, QMessageBox.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *args: questions.append(args[2]) or answers.pop(0))

    qtbot.keyClick(view.table, Qt.Key_Delete)
    assert questions == ["Cancel the appointment of Maria Lopez, check-up with Dr. Patel on Mon 07 Jan 09:00?"]
    assert len(booked_on(store_worker)) == 1

    with qtbot.waitSignal(view.appointments_changed, timeout=10000):
        qtbot.mouseClick(view.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: cell(view, MONDAY, "09:00").state == "free", timeout=5000)
    assert "Maria Lopez" not in [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert booked_on(store_worker) == []
    cancelled = in_store(store_worker, lambda store: store.appointments.get(appointment.id))
    assert cancelled.status == "cancelled"


def test_export_ics_and_csv(qtbot, view, store_worker, monkeypatch, tmp_path):
    book_in_store(store_worker, view, "09:00")
    targets = [str(tmp_path / "calendar.ics"), str(tmp_path / "appointments.csv"), ""]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (targets.pop(0), ""))

    qtbot.mouseClick(view.ics_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.export_panel.words.text() == f"Saved {tmp_path / 'calendar.ics'}.", timeout=10000)
    ics = (tmp_path / "calendar.ics").read_text()
    assert ics.startswith("BEGIN:VCALENDAR") and "X-WR-CALNAME:Riverside Dental" in ics
    assert "SUMMARY:check-up: Maria Lopez" in ics and "DTSTART:20300107T140000Z" in ics

    qtbot.mouseClick(view.csv_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.export_panel.words.text() == f"Saved {tmp_path / 'appointments.csv'}.",
                    timeout=10000)
    with open(tmp_path / "appointments.csv", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["contact"], row["provider"], row["service"], row["status"], row["starts_at"]) == (
        "Maria Lopez", "Dr. Patel", "check-up", "booked", "2030-01-07T14:00:00Z")

    assert view.export_csv() is None  # the save dialog was cancelled
    assert sorted(p.name for p in tmp_path.iterdir()) == ["appointments.csv", "calendar.ics", "data"]


def test_navigation_changes_the_shown_dates(qtbot, view):
    with qtbot.waitSignal(view.loaded, timeout=10000):
        qtbot.mouseClick(view.next_button, Qt.LeftButton)
    assert view.shown_days() == (date(2030, 1, 8),)
    assert view.title.text().startswith("Tuesday 08 January 2030")
    with qtbot.waitSignal(view.loaded, timeout=10000):
        qtbot.mouseClick(view.previous_button, Qt.LeftButton)
    assert view.title.text().startswith("Monday 07 January 2030")

    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.week_button.setChecked(True)
    with qtbot.waitSignal(view.loaded, timeout=10000):
        qtbot.mouseClick(view.next_button, Qt.LeftButton)
    assert view.table.horizontalHeaderItem(0).text().startswith("Mon 14 Jan")
    assert view.shown_days()[-1] == date(2030, 1, 20)
    view.table.setFocus()
    with qtbot.waitSignal(view.loaded, timeout=10000):
        qtbot.keyClick(view.table, Qt.Key_Left, Qt.AltModifier)
    assert view.shown_days()[0] == MONDAY

    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.date_edit.setDate(QDate(2030, 3, 15))
    assert view.title.text().startswith("Week of Monday 11 March 2030")

    with qtbot.waitSignal(view.loaded, timeout=10000):
        qtbot.mouseClick(view.today_button, Qt.LeftButton)
    assert view.today() in view.shown_days()

    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.day_button.setChecked(True)
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.show_day(SUNDAY)
    assert view.title.text().endswith("— closed") and view.table.rowCount() == 0


def test_refresh_keeps_the_selected_cell(qtbot, view):
    click_cell(qtbot, view, MONDAY, "14:15", "Dr. Okafor")
    reload(qtbot, view)
    assert view.current_cell().key() == (MONDAY, ids(view)["Dr. Okafor"], "14:15")


def test_times_already_past_are_not_offered_as_free(qtbot, view):
    last_monday = date.today() - timedelta(days=date.today().weekday() + 7)
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.show_day(last_monday)
    states = {cell.state for row in view.cells for cell in row}
    assert "free" not in states and "open" in states


def test_an_appointment_shows_how_its_reminder_call_went(qtbot, view, store_worker):
    confirmed = book_in_store(store_worker, view, "09:00")
    unanswered = book_in_store(store_worker, view, "11:00")
    book_in_store(store_worker, view, "14:00")  # not called yet
    for appointment, result in ((confirmed, "confirmed"), (unanswered, "no_answer")):
        in_store(store_worker, lambda store, a=appointment, r=result: store.db.execute(  # as the reminder calls do
            "UPDATE appointments SET reminder_result = ? WHERE id = ?", [r, a.id]))
    reload(qtbot, view)
    assert cell(view, MONDAY, "09:15").text == "check-up — ✓ confirmed by phone"
    assert cell(view, MONDAY, "11:15").text == "check-up — reminder: no answer"
    assert cell(view, MONDAY, "14:15").text == "check-up"
    tip = view.table.item(*where(view, MONDAY, "09:00")).toolTip()
    assert tip.endswith("check-up with Dr. Patel\nbooked by the phone agent\n✓ confirmed by phone")
    assert "reminder" not in view.table.item(*where(view, MONDAY, "14:00")).toolTip()
