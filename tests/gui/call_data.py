"""Calls written the way the service writes them, for the call log and dashboard tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from appliance.crm.calls import CallLog


def caller(text, confidence):
    return "caller", text, {"confidence": confidence}


def agent(text, reply_ms=None, interrupted=False):
    latency = {"stt_final": 80.0, "first_frame_out": reply_ms} if reply_ms is not None else None
    return "agent", text, {"latency": latency, "interrupted": interrupted}


def minutes_ago(minutes):
    return datetime.now(UTC) - timedelta(minutes=minutes)


def stamp(moment):
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class Calls:
    """Writes calls the way the service does (CallLog), then sets their times."""

    def __init__(self, db):
        self.db = db
        self.log = CallLog(db)

    def add(self, number, name="", turns=(), outcome="completed", started=None, seconds=60, reason="SIP 200",
            direction="inbound"):
        call_id = self.log.start(number, name, direction)
        for speaker, text, extra in turns:
            self.log.add_turn(call_id, speaker, text, **extra)
        self.log.end(call_id, outcome, reason)
        started = started or minutes_ago(10)
        self.db.execute("UPDATE calls SET started_at = ?, ended_at = ? WHERE id = ?",
                        [stamp(started), stamp(started + timedelta(seconds=seconds)), call_id])
        for seq in range(1, len(turns) + 1):  # a turn every 5 seconds
            self.db.execute("UPDATE turns SET started_at = ? WHERE call_id = ? AND seq = ?",
                            [stamp(started + timedelta(seconds=5 * seq)), call_id, seq])
        return call_id
