"""The service killed with SIGKILL in the middle of a call (a power cut, the OOM killer): on
restart the call's record is closed as interrupted and the store holds no half-written change."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appliance.crm.db import open_store
from appliance.lab.peer_client import PeerPhone

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]
SERVICE = """
import asyncio, json, sys
from pathlib import Path
from appliance.config import Config
from appliance.service import ApplianceService
from appliance.lab.demo import demo_config

async def main():
    service = ApplianceService(demo_config(Config(), Path(sys.argv[1])))
    await service.start()
    print(json.dumps({"uri": service.agent.local_uri}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def start_service(workdir: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVICE, str(workdir)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=open(workdir / "service.log", "a"))  # noqa: SIM115
    line = proc.stdout.readline()
    assert line, (workdir / "service.log").read_text()[-3000:]
    return proc, json.loads(line)["uri"]


def test_kill_9_mid_call_leaves_a_closed_record_and_no_half_booking(tmp_path):
    workdir = tmp_path / "data"
    workdir.mkdir()
    proc, uri = start_service(workdir)
    peer = PeerPhone("--user", "caller", "--codecs", "PCMU", record_dir=tmp_path / "peer")
    try:
        peer.send(cmd="call", uri=uri)
        peer.wait("answered", timeout=20)
        store = open_store(workdir / "appliance.db")
        deadline = time.monotonic() + 30
        while not store.execute("SELECT COUNT(*) FROM turns").fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.2)  # the greeting is said and recorded; the call goes on
        store.conn.close()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        peer.stop()
    db = open_store(workdir / "appliance.db")
    [call] = list(db.query("SELECT * FROM calls"))
    assert call["ended_at"] is None and call["outcome"] == "in_progress"
    assert [t["speaker"] for t in db.query("SELECT speaker FROM turns")] == ["agent"]
    db.conn.close()

    proc, _ = start_service(workdir)  # the restart
    try:
        db = open_store(workdir / "appliance.db")
        [call] = list(db.query("SELECT * FROM calls"))
        assert call["outcome"] == "interrupted" and call["ended_at"] and "stopped" in call["end_reason"]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        unaudited = db.execute("SELECT COUNT(*) FROM appointments a WHERE NOT EXISTS (SELECT 1 FROM audit_log l "
                               "WHERE l.entity = 'appointment' AND l.entity_id = a.id)").fetchone()[0]
        assert unaudited == 0
    finally:
        proc.terminate()
        proc.wait(30)
    assert "interrupted" in (workdir / "service.log").read_text()
