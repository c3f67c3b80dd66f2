"""The whole window: every tab on a real store, the service's state in the status bar, and
no freeze when the service is away, comes, goes and comes back."""

from __future__ import annotations

from appliance.sip.events import RegistrationEvent, RegistrationState
from appliance.voice.events import AlertEvent, CallStartedEvent
from gui.window import MainWindow
from tests.control_service import ServiceOnLoop


def test_window_works_without_the_service_and_connects_when_it_comes(qtbot, desk_config):
    window = MainWindow(desk_config)
    qtbot.addWidget(window)
    window.show()
    assert window.tabs.count() == 7
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
