"""The scratch copy a test call writes to: the live store's data, private, gone afterwards; the
call's row mirrored into it so that what the agent writes there is accepted as it would be live."""

from __future__ import annotations

import stat
import tempfile

from appliance.crm.calls import CallLog
from appliance.crm.db import open_store
from appliance.crm.messages import Messages
from appliance.crm.scratch import MirroredCallLog, scratch_copy
from appliance.lab.demo import DEMO_PATIENT, seed_demo_store


def test_the_copy_has_the_live_data_and_what_it_takes_goes_with_it(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    live = tmp_path / "data" / "appliance.db"
    seed_demo_store(open_store(live))
    with scratch_copy(live) as copy:
        assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
        db = open_store(copy)
        assert db.execute("SELECT name FROM contacts").fetchall() == [(DEMO_PATIENT[0],)]
        Messages(db).add("call me back", "+15550001111", "", None, True)
        db.conn.close()
    assert not copy.parent.exists()
    assert open_store(live).execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_the_call_row_is_in_both_stores_so_the_copy_takes_the_calls_message(tmp_path):
    live, copy = open_store(tmp_path / "live.db"), open_store(tmp_path / "copy.db")
    CallLog(live).start("+15550001111", "earlier call")  # the copy lags the live store: ids differ
    call_id = MirroredCallLog(live, copy).start("", "Front desk test", "test")
    query = "SELECT id, uid, direction, caller_name FROM calls WHERE id = ?"
    assert copy.execute(query, [call_id]).fetchone() == live.execute(query, [call_id]).fetchone()
    Messages(copy).add("call me back", "", "Front desk test", None, True, call_id=call_id)
    assert live.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
