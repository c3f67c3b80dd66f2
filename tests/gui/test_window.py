"""The whole window: every tab on a real store, the service's state in the status bar, and
no freeze when the service is away, comes, goes and comes back."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from appliance.calsync.worker import SyncStatus
from appliance.sip.events import RegistrationEvent, RegistrationState
from appliance.voice.events import AgentSaidEvent, AlertEvent, CallCardEvent, CallStartedEvent, HandoverEvent
from gui.style import ERROR, PLAIN, tone_of
from gui.window import MainWindow
from gui.window_memory import DEFAULT_SIZE
from tests.control_service import ServiceOnLoop
from tests.crm.day_data import Demo

REFUSED = "the calendar server refused the user name or password"


def test_window_works_without_the_service_and_connects_when_it_comes(qtbot, desk_config):
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    assert window.tabs.count() == 8
    qtbot.waitUntil(lambda: "not reachable" in window.service_label.text(), timeout=3000)
    assert not window.live.transfer_button.isEnabled()
    service = ServiceOnLoop(desk_config.paths.data)
    try:
        qtbot.waitUntil(lambda: window.service_label.text() == "Service: connected", timeout=5000)
        qtbot.waitUntil(lambda: window.registration_label.text() == "Trunk: not configured", timeout=3000)
        service.publish(RegistrationEvent(state=RegistrationState.FAILED, code=403, reason="Forbidden"))
        qtbot.waitUntil(lambda: window.registration_label.text() == "Trunk: failed", timeout=3000)
        service.publish(CallStartedEvent(call_id="c1", direction="inbound", caller_number="+15551234567",
                                         caller_name="", remote_uri="<sip:x@y>"))
        qtbot.waitUntil(lambda: window.live.calls.count() == 1, timeout=3000)
        assert "Maria Lopez" in window.live.calls.item(0).text()
        service.publish(AlertEvent(call_id="c1", problem="the stt engine did not answer within 10.0 s"))
        qtbot.waitUntil(lambda: "stt engine" in window.statusBar().currentMessage(), timeout=3000)
    finally:
        service.close()
    qtbot.waitUntil(lambda: "not reachable" in window.service_label.text(), timeout=5000)
    assert window.live.calls.count() == 0  # a call the window can no longer follow is not shown as live
    again = ServiceOnLoop(desk_config.paths.data)
    try:
        qtbot.waitUntil(lambda: window.service_label.text() == "Service: connected", timeout=5000)
    finally:
        again.close()
    window.close()


def test_the_calendar_sync_state_comes_from_the_services_status(qtbot, desk_config):
    service = ServiceOnLoop(desk_config.paths.data)
    failing = SyncStatus("failing", 2, None, REFUSED)
    service.service.calendar_status = lambda: failing
    service.service.problems = lambda: [failing.words()]
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    label = window.calendar_label
    try:
        qtbot.waitUntil(lambda: label.isVisible(), timeout=5000)
        assert label.text() == f"Calendar: failing \N{EM DASH} {REFUSED}" and tone_of(label) == ERROR
        assert label.toolTip() == (f"Calendar sync: failing: {REFUSED}; 2 change(s) wait to be written\n"
                                   "Changes waiting to be written to the calendar server: 2")
        assert window.statusBar().currentMessage() == ""  # the label says it: no second alert
        glance = window.settings.calendar_label
        assert glance.text() == f"Calendar sync: failing: {REFUSED}; 2 change(s) wait to be written"
        service.service.calendar_status = lambda: SyncStatus("ok", 0, datetime(2030, 1, 7, 9, 30), "")
        window.refresh()  # the timer's job every few seconds
        qtbot.waitUntil(lambda: label.text() == "Calendar: ok", timeout=3000)
        assert tone_of(label) == PLAIN and label.toolTip() == (
            "Calendar sync: ok, last read 09:30:00 UTC\nChanges waiting to be written to the calendar server: 0")
        assert window.settings.calendar_label.text() == "Calendar sync: ok, last read 09:30:00 UTC"
    finally:
        service.close()
    qtbot.waitUntil(lambda: "not reachable" in window.service_label.text(), timeout=5000)
    assert not label.isVisible() and "unknown" in window.settings.calendar_label.text()
    window.close()


def test_the_status_bar_hides_an_unset_calendar_and_cuts_nothing_off(qtbot, desk_config):
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    assert window.size() == DEFAULT_SIZE
    qtbot.waitUntil(lambda: "no answer" in window.service_label.text(), timeout=3000)
    window.link.stop()  # no service: the snapshots below are fed by hand
    window._on_connection(True, "")
    snapshot = {"type": "Snapshot", "registration": {"state": "registered"}, "engines": {}, "problems": []}
    window._on_message({**snapshot, "calendar": SyncStatus("off", 0, None, "").report()})
    assert not window.calendar_label.isVisible() and window.registration_label.text() == "Trunk: registered"
    gone = "http://cloud.riverside-dental.example/remote.php/dav/calendars/front-desk/dr-okafor-appointments/"
    for problem, shortened in ((REFUSED, False), (f"the calendar server has no calendar at {gone}", True)):
        window._on_message({**snapshot, "calendar": SyncStatus("failing", 12, None, problem).report()})
        qtbot.waitUntil(lambda: window.calendar_label.isVisible())
        qtbot.wait(20)  # the status bar lays its labels out
        text = window.calendar_label.text()
        assert text.endswith("\N{HORIZONTAL ELLIPSIS}") == shortened
        assert shortened or text == f"Calendar: failing \N{EM DASH} {REFUSED}"
        assert window.calendar_label.toolTip().startswith(f"Calendar sync: failing: {problem}; 12 change(s)")
        bar = window.statusBar()
        labels = [window.calendar_label, window.registration_label, window.service_label]
        for label in labels:
            assert label.width() >= label.sizeHint().width(), f"{label.text()!r} is cut off"
            assert label.geometry().right() <= bar.width()
        free = min(label.geometry().left() for label in labels)
        assert free > bar.width() / 3, "room is left for the status bar's messages"
    window.close()


def test_every_tab_reads_the_store_off_the_gui_thread(qtbot, desk_config):
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(20)
    for view in (window.calls, window.calendar, window.dashboard):
        view.refresh().result(10)
    qtbot.waitUntil(lambda: window.calendar.data is not None, timeout=5000)
    assert window.statusBar().currentMessage() == ""  # no store error was reported
    window.close()


def test_desk_command_refuses_a_bad_config_with_a_clear_message(tmp_path, capsys):
    from gui.app import main

    bad = tmp_path / "appliance.toml"
    bad.write_text("[transfer]\nstaff_uri = 'frontdesk'\n")
    assert main(["--config", str(bad)]) == 2
    assert "transfer.staff_uri must start with sip:" in capsys.readouterr().err


def test_a_call_that_needs_a_person_brings_its_card_forward_with_take_over_focused(qtbot, desk_config, monkeypatch):
    chimes = []
    monkeypatch.setattr("gui.attention.play_chime", lambda: chimes.append(1) or "")
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    window.attention.notify = False  # the desktop notification has its own test on a real bus
    window.tabs.setCurrentWidget(window.calendar)
    service = ServiceOnLoop(desk_config.paths.data)
    try:
        qtbot.waitUntil(lambda: window.service_label.text() == "Service: connected", timeout=5000)
        service.publish(CallStartedEvent(call_id="c1", direction="inbound", caller_number="+15551234567",
                                         caller_name="", remote_uri="<sip:x@y>"))
        service.publish(CallCardEvent(call_id="c1", fields={"patient": "Maria Lopez (on file)",
                                                            "wants": "book an appointment"}))
        qtbot.waitUntil(lambda: window.live.card.values["wants"].text() == "book an appointment", timeout=3000)
        assert window.tabs.currentWidget() is window.calendar and not chimes  # nothing needs a person yet
        service.publish(HandoverEvent(call_id="c1", reason="possible emergency", summary="Maria Lopez, ...",
                                      target="sip:desk@clinic"))
        qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.live, timeout=3000)
        assert window.live.card.alarm.text() == "Needs a person: Handed over: possible emergency"
        assert "needs a person" in window.statusBar().currentMessage() and chimes == [1]
        qtbot.waitUntil(lambda: window.focusWidget() is window.live.take_over_button, timeout=3000)  # under load
        service.publish(AgentSaidEvent(call_id="c1", text="One moment please.", interrupted=False))
        qtbot.wait(200)
        assert chimes == [1]  # once per reason, not on every event
    finally:
        service.close()
    window.close()


def test_the_alert_switches_are_remembered(qtbot, desk_config):
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    assert window.attention.notify and window.attention.sound
    window.alert_actions["sound"].setChecked(False)
    assert not window.attention.sound
    window.close()
    again = MainWindow(desk_config)
    qtbot.addWidget(again)
    assert not again.attention.sound and not again.alert_actions["sound"].isChecked() and again.attention.notify
    again.close()


def test_a_call_opened_from_the_day_at_a_glance_is_shown_in_the_call_log(qtbot, desk_config):
    demo = Demo.open(desk_config.paths.data / "appliance.db")
    now = datetime.now(ZoneInfo(desk_config.clinic.timezone))
    first = demo.call(now - timedelta(minutes=30), "+15551234567")
    demo.call(now - timedelta(minutes=10), "+15559876543")
    demo.close()
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    window.calls.search.setText("9876")  # a search the receptionist left that hides the call
    window.calls.search_now().result(10)
    window.open_call(first)
    qtbot.waitUntil(lambda: window.calls.selected_call() is not None and window.calls.selected_call().id == first,
                    timeout=5000)
    assert window.tabs.currentWidget() is window.calls and window.calls.search.text() == ""
    window.close()


def test_the_window_can_stay_open_all_day_without_losing_references(qtbot, desk_config):
    """PySide6 6.12.0 dropped a reference to None or True on each call of a void method and each
    signal: the window lost ~300 a refresh and Python aborted within the hour. None is left over."""
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(500)
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(10):
        window.refresh()
        qtbot.wait(100)
    after = sys.getrefcount(None), sys.getrefcount(True)
    assert before[0] - after[0] < 100 and before[1] - after[1] < 100, (before, after)
    window.close()
