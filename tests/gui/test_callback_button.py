"""The Call back button the messages, call log and contacts views share: enabled with a number while
the service is connected and has a desk phone, it sends `call_back` and follows that call back's
events from the control channel in plain words; a refused command is shown with its reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from appliance.sip.events import CallbackEvent, CallbackState
from gui.callback_button import (
    TIP,
    CallbackButton,
    callback_result_words,
    progress_text,
)
from gui.live_view import LiveView
from gui.style import ERROR, OK, tone_of
from tests.gui.widgets import click

MARIA = "+15551234567"
ANSWER = {"callback_id": "cb1", "desk": "sip:desk@x"}


@pytest.fixture()
def button(qtbot, link, desk_config):
    widget = CallbackButton(link, desk_config.crm)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_enabled_with_a_number_to_call_while_the_service_is_there(qtbot, request, button, sent):
    assert button.accessibleName() == "Call back" and button.toolTip() == TIP and "desk phone rings first" in TIP
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    button.set_target(MARIA)
    assert not button.isEnabled()  # the service is not connected
    request.getfixturevalue("service")
    qtbot.waitUntil(button.isEnabled, timeout=3000)
    for nothing in ("", "anonymous", "withheld"):
        button.set_target(nothing)
        assert not button.isEnabled()
    button.set_target("(555) 123-4567", message_id=7)  # the clinic's country code makes it E.164
    assert button.isEnabled() and button.number == MARIA
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert sent == [("call_back", {"number": MARIA, "message_id": 7})]
    assert not button.isEnabled() and f"call {MARIA} back" in button.status.text()  # no second ring meanwhile


def test_no_desk_phone_in_the_services_snapshot_disables_it(qtbot, button, link, service, sent):
    button.set_target(MARIA)
    assert button.isEnabled()
    link.message.emit({"type": "Snapshot", "calls": [], "transfer": {"mode": "blind", "staff": False, "desk": False}})
    assert not button.isEnabled() and "desk phone" in button.toolTip()


def test_the_call_back_asked_for_is_followed_in_plain_words(qtbot, button, link, service, sent):
    button.set_target(MARIA)
    click(qtbot, button)
    assert sent == [("call_back", {"number": MARIA, "message_id": None})]
    link.command_done.emit("call_back", "", True, ANSWER)
    assert button.status.text() == "Ringing your desk phone…" and button.isEnabled()
    service.publish(CallbackEvent("cb1", MARIA, CallbackState.PATIENT_RINGING))
    qtbot.waitUntil(lambda: button.status.text() == f"Calling {MARIA}…", timeout=3000)
    service.publish(CallbackEvent("cb1", MARIA, CallbackState.CONNECTED))
    qtbot.waitUntil(lambda: button.status.text() == f"Connected to {MARIA}.", timeout=3000)
    assert tone_of(button.status) == OK
    service.publish(CallbackEvent("cb2", "+15559876543", CallbackState.PATIENT_BUSY))  # another one: not this
    service.publish(CallbackEvent("cb1", MARIA, CallbackState.ENDED))
    qtbot.waitUntil(lambda: button.status.text() == f"The call with {MARIA} has ended.", timeout=3000)


def test_the_service_gets_the_number_and_the_message_over_the_control_channel(qtbot, button, service):
    asked = []

    def call_back(number, message_id):
        asked.append((number, message_id))
        return {"callback_id": f"cb{len(asked)}", "desk": "sip:desk@x"}
    service.service.call_back = call_back  # the service's part, tested with it
    for message_id in (3, None):
        button.set_target(MARIA, message_id)
        click(qtbot, button)
        qtbot.waitUntil(lambda: button.status.text() == "Ringing your desk phone…", timeout=3000)
    assert asked == [(MARIA, 3), (MARIA, None)] and button.callback_id == "cb2"


def test_an_event_before_the_answer_is_not_lost(qtbot, button, link, service, sent):
    button.set_target(MARIA)
    click(qtbot, button)
    link.message.emit({"type": "Callback", "callback_id": "cb1", "number": MARIA, "state": "desk_no_answer",
                       "message_id": None, "detail": "", "at": 0.0})  # before the answer naming cb1
    assert button.status.text() == f"Asking the service to call {MARIA} back…"
    link.command_done.emit("call_back", "", True, ANSWER)
    assert button.status.text() == "Your desk phone did not answer."
    assert tone_of(button.status) == ERROR


def test_a_refused_call_back_shows_why(qtbot, button, link, service, sent):
    button.set_target(MARIA)
    click(qtbot, button)
    link.command_done.emit("call_back", "", False, "no desk phone is configured ([transfer] desk_uri or staff_uri)")
    assert button.status.text() == "Could not call back: no desk phone is configured ([transfer] desk_uri or staff_uri)"
    assert tone_of(button.status) == ERROR and button.isEnabled()


def test_another_views_answer_is_left_alone(qtbot, desk_config, button, link, service, sent):
    live = LiveView(link, desk_config)
    qtbot.addWidget(live)
    link.command_done.emit("call_back", "", False, "the service failed")
    assert button.status.text() == "" and live.status.text() == ""  # neither asked


@pytest.mark.parametrize(("state", "detail", "words"), [
    ("desk_ringing", "", "Ringing your desk phone…"),
    ("patient_busy", "SIP 486", "The patient's line is busy: SIP 486."),
    ("patient_no_answer", "", f"{MARIA} did not answer."),
    ("failed", "no route to the trunk", "The call back failed: no route to the trunk."),
    ("connected", "ignored", f"Connected to {MARIA}."),
])
def test_each_state_in_words(state, detail, words):
    assert progress_text({"type": "Callback", "state": state, "number": MARIA, "detail": detail}) == words


def test_stored_results_in_words():
    assert [callback_result_words(r) for r in ("ended", "patient_busy", "desk_no_answer", "")] == [
        "connected", "line busy", "desk phone did not answer", ""]
