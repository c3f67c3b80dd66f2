"""The call log tab on a real store: listing, sorting, searching, filtering, transcript, recording,
a reminder call's result, and a call back to the selected call's number."""

from __future__ import annotations

import sys
import types
from datetime import datetime, time, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDesktopServices

from appliance.audio import stereo_wav
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import StoreError, open_store
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import utc_text
from appliance.keys.keyring import create_keyring
from appliance.keys.sealing import write_file
from gui import call_log_view, theme
from gui.call_log_view import (
    CALLER,
    DURATION,
    LATENCY,
    OUTCOME,
    STARTED,
    TURNS,
    CallLogView,
)
from gui.style import COLOURS, ERROR
from tests.gui.call_data import Calls, agent, caller, minutes_ago


@pytest.fixture()
def calls(desk_config, tmp_path):
    """Four calls: Maria booking (recorded), a transfer, a message (recording lost), an abandoned call."""
    db = open_store(desk_config.paths.data / "appliance.db")
    store = Calls(db)
    ids = types.SimpleNamespace()
    ids.maria = store.add("5551234567", "", outcome="booked", started=minutes_ago(40), seconds=600, turns=[
        agent("Thank you for calling Riverside Dental."),
        caller("I need a cleaning, my wisdom tooth hurts", 0.91),
        agent("Dr. Patel has Tuesday at 10. Shall I book it?", 1200),
        caller("yes please", 0.88),
        agent("You are booked for Tuesday at 10.", 1400)])
    ids.john = store.add("+15559876543", "JOHN DOE", outcome="transferred", started=minutes_ago(30), seconds=9,
                         reason="SIP 487", turns=[caller("put me through to a person", 0.7),
                                                  agent("Transferring you now.", 95)])
    ids.message = store.add("+15550001111", "", outcome="message", started=minutes_ago(20), seconds=125, turns=[
        caller("please ask the doctor to call me back", 0.82),
        agent("I will pass that on to the team right away", 850, interrupted=True)])
    ids.silent = store.add("+15550002222", "", outcome="abandoned", started=minutes_ago(10), seconds=3)
    wav = tmp_path / "call-maria.wav"
    wav.write_bytes(stereo_wav(np.zeros(1600, "<i2").tobytes(), np.zeros(800, "<i2").tobytes()))
    store.log.set_recording(ids.maria, str(wav))
    store.log.set_recording(ids.message, str(tmp_path / "gone.wav"))
    ids.wav = wav
    ids.store = store
    yield ids
    db.conn.close()


@pytest.fixture()
def view(qtbot, store_worker, link, desk_config, calls):
    widget = CallLogView(store_worker, link, desk_config)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.refresh().result(10)
    qtbot.waitUntil(lambda: widget.proxy.rowCount() == 4)
    return widget


def column(view, col):
    return [view.proxy.index(row, col).data() for row in range(view.proxy.rowCount())]


def listed_ids(view):
    return [view.model.calls[view.proxy.mapToSource(view.proxy.index(row, 0)).row()].id
            for row in range(view.proxy.rowCount())]


def click_header(qtbot, view, col):
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def click_call(qtbot, view, call_id):
    row = listed_ids(view).index(call_id)
    rect = view.table.visualRect(view.proxy.index(row, OUTCOME))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_call().id == call_id


def search(qtbot, view, text):
    view.search.clear()
    qtbot.keyClicks(view.search, text)


def test_lists_calls_newest_first_with_contact_outcome_turns_and_median_latency(view, calls):
    assert listed_ids(view) == [calls.silent, calls.message, calls.john, calls.maria]
    assert column(view, CALLER) == ["+15550002222", "+15550001111", "JOHN DOE (+15559876543)",
                                    "Maria Lopez (5551234567)"]
    assert column(view, OUTCOME) == ["Hung up before speaking", "Message taken", "Transferred to staff", "Booked"]
    assert column(view, DURATION) == ["0:03", "2:05", "0:09", "10:00"]
    assert column(view, TURNS) == ["0", "2", "2", "5"]
    assert column(view, LATENCY) == ["-", "850 ms", "95 ms", "1300 ms"]
    assert all(text.startswith(("Today ", "Yesterday ")) for text in column(view, STARTED))
    assert view.status.text() == "4 calls"


@pytest.mark.parametrize(("col", "ascending"), [
    pytest.param(DURATION, ["0:03", "0:09", "2:05", "10:00"], id="duration"),
    pytest.param(LATENCY, ["-", "95 ms", "850 ms", "1300 ms"], id="latency"),
])
def test_header_click_sorts_on_numbers_not_text(qtbot, view, col, ascending):
    click_header(qtbot, view, col)
    header = view.table.horizontalHeader()
    assert header.sortIndicatorSection() == col
    first = ascending if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder else ascending[::-1]
    assert column(view, col) == first
    click_header(qtbot, view, col)
    assert column(view, col) == first[::-1]


@pytest.mark.parametrize(("text", "expected"), [
    ("wisdom tooth", "maria"),   # words the caller said
    ("right away", "message"),   # words the agent said
    ("555-987", "john"),         # part of a number, typed with a dash
    ("maria", "maria"),          # the contact matched by number (caller ID gave no name)
    ("john doe", "john"),        # the caller ID name
    ("hung up", "silent"),       # the outcome in words
])
def test_search_filters_on_transcript_number_contact_and_outcome(qtbot, view, calls, text, expected):
    search(qtbot, view, text)
    qtbot.waitUntil(lambda: listed_ids(view) == [getattr(calls, expected)])
    assert view.status.text() == "1 call"


def test_search_with_no_match_and_like_wildcards_lists_nothing(qtbot, view):
    search(qtbot, view, "100%_")
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 0)
    view.search.clear()
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 4)


def test_outcome_filter(qtbot, view, calls):
    view.outcome.setFocus()
    view.outcome.setCurrentIndex(view.outcome.findData("transferred"))
    qtbot.waitUntil(lambda: listed_ids(view) == [calls.john])
    view.outcome.setCurrentIndex(view.outcome.findData("message"))
    qtbot.waitUntil(lambda: listed_ids(view) == [calls.message])
    search(qtbot, view, "wisdom")  # search and outcome together: Maria's call is not a message
    qtbot.waitUntil(lambda: view.status.text() == "0 calls")
    view.outcome.setCurrentIndex(0)
    qtbot.waitUntil(lambda: listed_ids(view) == [calls.maria])


def test_selecting_a_call_shows_transcript_latencies_and_end_reason(qtbot, view, calls):
    click_call(qtbot, view, calls.maria)
    qtbot.waitUntil(lambda: "wisdom tooth" in view.transcript.toPlainText())
    text = view.transcript.toPlainText()
    assert "Agent +0:05\n" in text and "Caller +0:10 \u00b7 confidence 91%" in text and "confidence 88%" in text
    assert "replied in 1200 ms" in text and "replied in 1400 ms" in text
    assert text.index("Thank you for calling") < text.index("wisdom tooth") < text.index("You are booked")
    assert "interrupted" not in text
    assert "Maria Lopez" in view.heading.text() and "10:00" in view.heading.text()
    assert view.end_reason.text() == "End reason: SIP 200"

    click_call(qtbot, view, calls.message)
    qtbot.waitUntil(lambda: "call me back" in view.transcript.toPlainText())
    text = view.transcript.toPlainText()
    assert "replied in 850 ms" in text and "interrupted" in text

    click_call(qtbot, view, calls.silent)
    qtbot.waitUntil(lambda: "Nothing was said" in view.transcript.toPlainText())


def test_the_transcript_takes_the_colours_of_a_new_look(qtbot, qapp, view, calls):
    click_call(qtbot, view, calls.message)
    light, dark = COLOURS[ERROR]
    qtbot.waitUntil(lambda: light in view.transcript.toHtml())  # "interrupted"
    try:
        theme.apply(qapp, theme.DARK)
        qtbot.waitUntil(lambda: dark in view.transcript.toHtml())
    finally:
        theme.apply(qapp, theme.LIGHT)
    qtbot.waitUntil(lambda: light in view.transcript.toHtml())


def test_recorded_call_can_be_played_and_its_folder_opened(qtbot, view, calls, monkeypatch):
    played, opened = [], []
    fake_audio = types.SimpleNamespace(play=lambda frames, rate: played.append((frames.shape, rate)),
                                       wait=lambda: None, stop=lambda: None)
    monkeypatch.setitem(sys.modules, "sounddevice", fake_audio)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    click_call(qtbot, view, calls.maria)
    qtbot.waitUntil(view.play_button.isEnabled)
    assert view.recording_label.text() == str(calls.wav)
    qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: played == [((1600, 2), 16000)] and not view.player.playing)
    qtbot.waitUntil(lambda: view.play_button.text() == "&Play recording")
    assert view.playback_label.text() == ""
    qtbot.mouseClick(view.folder_button, Qt.MouseButton.LeftButton)
    assert opened == [str(calls.wav.parent)]


def test_no_audio_device_is_a_message_not_a_crash(qtbot, view, calls, monkeypatch):
    def no_device(frames, rate):
        raise RuntimeError("no default output device")
    monkeypatch.setitem(sys.modules, "sounddevice",
                        types.SimpleNamespace(play=no_device, wait=lambda: None, stop=lambda: None))
    click_call(qtbot, view, calls.maria)
    qtbot.waitUntil(view.play_button.isEnabled)
    qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "no default output device" in view.playback_label.text())
    assert view.playback_label.text().startswith("Cannot play the recording")
    assert view.play_button.isEnabled()


def test_missing_or_absent_recording_disables_play_with_a_message(qtbot, view, calls):
    click_call(qtbot, view, calls.message)
    qtbot.waitUntil(lambda: "missing" in view.recording_label.text())
    assert "gone.wav" in view.recording_label.text()
    assert not view.play_button.isEnabled() and not view.folder_button.isEnabled()
    click_call(qtbot, view, calls.john)
    qtbot.waitUntil(lambda: view.recording_label.text() == "No recording of this call.")
    assert not view.play_button.isEnabled()


def test_refresh_keeps_the_selected_call_and_shows_its_new_turns(qtbot, view, calls):
    click_call(qtbot, view, calls.john)
    qtbot.waitUntil(lambda: "Transferring you now" in view.transcript.toPlainText())
    calls.store.add("+15550003333", "", outcome="completed", started=minutes_ago(1), seconds=30)
    calls.store.log.add_turn(calls.john, "agent", "Please hold the line.", latency={"first_frame_out": 410.0})
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 5)
    assert view.selected_call().id == calls.john
    assert len(view.table.selectionModel().selectedRows()) == 1
    qtbot.waitUntil(lambda: "replied in 410 ms" in view.transcript.toPlainText())


def test_store_failure_is_shown_in_the_status_line(qtbot, view, monkeypatch):
    def locked(*args, **kwargs):
        raise StoreError("the store is locked")
    monkeypatch.setattr(call_log_view, "find_calls", locked)
    with pytest.raises(StoreError):
        view.refresh().result(10)
    qtbot.waitUntil(lambda: "the store is locked" in view.status.text())
    assert view.proxy.rowCount() == 4  # what was listed stays


@pytest.mark.parametrize("direction, shown", [("inbound", "Maria (+15551234567)"),
                                              ("outbound", "Maria (+15551234567), outgoing"),
                                              ("test", "Front desk test, test call")])
def test_the_caller_column_says_outgoing_and_test_calls(direction, shown):
    from datetime import UTC, datetime

    from appliance.crm.call_history import CallSummary
    number, name = ("", "Front desk test") if direction == "test" else ("+15551234567", "Maria")
    call = CallSummary(1, direction, datetime.now(UTC), None, number, name, "", "completed", "", 0, (), None)
    assert call_log_view.caller_text(call) == shown


def test_call_back_dials_the_selected_calls_number(qtbot, view, calls, service, sent):
    assert not view.callback_button.isEnabled()  # no call selected
    click_call(qtbot, view, calls.maria)
    assert view.callback_button.isEnabled()
    qtbot.mouseClick(view.callback_button, Qt.MouseButton.LeftButton)
    assert sent == [("call_back", {"number": "+15551234567", "message_id": None})]  # the trunk's caller ID, in E.164
    view.search.setText("no such call")
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 0)
    assert not view.callback_button.isEnabled()


def test_a_reminder_call_says_how_it_went(qtbot, view, calls, desk_config):
    db, tz = calls.store.db, view.tz
    schedule = Schedule(db)
    maria = Contacts(db).search("Maria Lopez")[0]
    patel = next(p.id for p in schedule.providers() if p.name == "Dr. Patel")
    checkup = next(s.id for s in schedule.services() if s.name == "check-up")
    today = datetime.now(tz).date()
    starts = datetime.combine(today + timedelta(days=7 - today.weekday()), time(10), tz)  # next Monday
    appointment = Appointments(db, tz).book(maria.id, patel, checkup, starts, "front_desk")
    reminder = calls.store.add("+15551234567", "", outcome="completed", direction="outbound", started=minutes_ago(5))
    now = utc_text(datetime.now(tz))
    db.execute("INSERT INTO reminders (appointment_id, starts_at, offset_min, due_at, state, next_attempt_at, result, "
               "call_id, updated_at) VALUES (?, ?, 1440, ?, 'done', ?, 'confirmed', ?, ?)",  # as the reminder calls do
               [appointment.id, utc_text(starts), now, now, reminder, now])
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 5)
    click_call(qtbot, view, reminder)
    qtbot.waitUntil(lambda: view.reminder.text() == "Reminder call: confirmed by phone")
    assert view.proxy.index(listed_ids(view).index(reminder), CALLER).data() == "Maria Lopez (+15551234567), outgoing"
    click_call(qtbot, view, calls.john)
    qtbot.waitUntil(lambda: "Transferring you now" in view.transcript.toPlainText())
    assert view.reminder.text() == ""


def test_a_sealed_recording_plays_with_the_box_key_only(qtbot, tmp_path, monkeypatch):
    keyring, _ = create_keyring(tmp_path)
    wav = tmp_path / "recordings" / "call-1.wav"
    wav.parent.mkdir()
    write_file(wav, stereo_wav(np.zeros(1600, "<i2").tobytes(), np.zeros(800, "<i2").tobytes()), keyring)
    played = []
    monkeypatch.setitem(sys.modules, "sounddevice", types.SimpleNamespace(
        play=lambda frames, rate: played.append((frames.shape, rate)), wait=lambda: None, stop=lambda: None))
    player = call_log_view.RecordingPlayer(tmp_path)  # read at each play: a key made later counts
    with qtbot.waitSignal(player.finished, timeout=10000) as done:
        player.play(wav)
    assert done.args == [""] and played == [((1600, 2), 16000)]
    keyless = call_log_view.RecordingPlayer(tmp_path / "recordings")  # a folder without the key file
    with qtbot.waitSignal(keyless.finished, timeout=10000) as refused:
        keyless.play(wav)
    assert "Cannot play the recording" in refused.args[0] and "does not have" in refused.args[0]
