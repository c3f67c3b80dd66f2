"""The day at a glance against the running service: a caller books by phone over real SIP, and
the front desk's day view of the booked day lists the appointment with that call next to it,
which opens with Enter."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from appliance.crm.appointments import Appointments
from appliance.crm.timeutil import parse_utc
from appliance.lab.demo import DEMO_PATIENT
from appliance.lab.scripted_call import run_script
from gui.day_view import A_CALL, A_PATIENT, A_SERVICE, DayView
from gui.store_worker import StoreWorker

pytestmark = pytest.mark.slow


@pytest.fixture()
def store_worker(qtbot, live):
    """The window's store worker on the running service's store."""
    config = live.service.config
    worker = StoreWorker(config.paths.data / "appliance.db", config)
    yield worker
    worker.close()


def test_a_booking_by_phone_shows_on_its_day_next_to_its_call(qtbot, live, store_worker, tmp_path):
    db, tz = live.service.call_log.db, ZoneInfo(live.service.config.clinic.timezone)
    for (booked_before,) in db.execute("SELECT a.id FROM appointments a JOIN contact_phones p ON p.contact_id = "
                                       "a.contact_id WHERE p.phone = ? AND a.status = 'booked'",
                                       [DEMO_PATIENT[1]]).fetchall():
        Appointments(db, tz).cancel(booked_before, reason="other tests of the package booked it")  # a first booking
    lines = ["I'd like to book a cleaning next Monday morning", "yes, it's for me", "the first one", "yes please",
             "no thanks, goodbye"]
    result = live.run(run_script(live.service, lines, tmp_path, caller_id=DEMO_PATIENT[1]))
    call = live.last_call()
    booked = next(live.service.call_log.db.query(
        "SELECT id, starts_at FROM appointments WHERE call_id = ? ORDER BY id DESC LIMIT 1", [call["id"]]), None)
    assert booked is not None, "\n".join(map(str, result.transcript))
    config = live.service.config
    day = parse_utc(booked["starts_at"]).astimezone(ZoneInfo(config.clinic.timezone)).date()  # likely not today

    view = DayView(store_worker, config, day)
    qtbot.addWidget(view)
    view.show()
    view.refresh().result(10)
    qtbot.waitUntil(lambda: view.glance is not None)
    table = view.appointments_table
    rows = [r for r in range(table.rowCount()) if view.appointment_rows[r][0].id == booked["id"]]
    assert len(rows) == 1, "one call made it: one row"
    [row] = rows
    assert table.item(row, A_PATIENT).text() == DEMO_PATIENT[0]
    assert table.item(row, A_SERVICE).text() == "cleaning"
    assert view.appointment_call(row).call.id == call["id"]
    shown = table.item(row, A_CALL).text()
    assert "booked" in shown and f"{DEMO_PATIENT[0]} ({DEMO_PATIENT[1]})" in shown, shown
    table.setFocus()
    table.setCurrentCell(row, A_CALL)
    with qtbot.waitSignal(view.open_call, check_params_cb=lambda call_id: call_id == call["id"]):
        qtbot.keyClick(table, Qt.Key.Key_Return)

