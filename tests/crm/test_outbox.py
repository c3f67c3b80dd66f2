"""The outbox against a real local HTTP server that fails some of the time."""

import threading
from datetime import datetime

import pytest

from appliance.crm.db import open_store
from appliance.crm.outbox import OutboxWorker
from tests.crm.conftest import TZ
from tests.crm.webhook import SECRET, Receiver

@pytest.fixture()
def receiver():
    r = Receiver(fail_every=2)
    yield r
    r.close()


def make_changes(clinic, n: int = 5) -> None:
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    for i in range(n):
        clinic.appointments.book(c.id, clinic.okafor, clinic.checkup,
                                 datetime(2026, 12, 7, 13 + i, tzinfo=TZ), "phone_agent")


def test_every_event_arrives_once_in_order_despite_failures(clinic, receiver):
    make_changes(clinic)
    worker = OutboxWorker(clinic.db, receiver.url, SECRET, backoff_min_s=0.0)
    for _ in range(30):
        worker.run_once()
        if worker.status().pending == 0:
            break
    status = worker.status()
    assert status.pending == 0 and status.delivered == 6
    keys = [r["idempotency_key"] for r in clinic.db.query("SELECT idempotency_key FROM outbox ORDER BY id")]
    assert list(receiver.applied) == keys, "each event applied once, in order"
    assert receiver.requests > 6, "some deliveries failed and were retried"
    assert receiver.bad_signatures == 0
    assert [e["type"] for e in receiver.applied.values()][:2] == ["contact.created", "appointment.booked"]


def test_failures_back_off_show_in_status_and_survive_a_restart(clinic):
    make_changes(clinic, 1)
    worker = OutboxWorker(clinic.db, "http://127.0.0.1:9/unreachable", SECRET, timeout_s=1, backoff_min_s=60)
    assert worker.run_once() == 0
    status = worker.status()
    assert status.pending == 2 and status.failing == 1 and "unreachable" in status.last_error
    assert worker.run_once() == 0, "not due again before its backoff"
    reopened = open_store(clinic.path)  # a restart: nothing is lost
    row = next(reopened.query("SELECT attempts, next_attempt_at, created_at FROM outbox ORDER BY id LIMIT 1"))
    assert row["attempts"] == 1 and row["next_attempt_at"] > row["created_at"]
    receiver = Receiver(fail_every=1000)
    try:
        reopened.execute("UPDATE outbox SET next_attempt_at = created_at")
        late = OutboxWorker(reopened, receiver.url, SECRET)
        assert late.run_once() == 2 and late.status().pending == 0
    finally:
        receiver.close()


def test_background_worker_delivers(clinic, receiver):
    receiver.fail_every = 1000
    worker = OutboxWorker(clinic.db, receiver.url, SECRET)
    worker.start(interval_s=0.05)
    try:
        make_changes(clinic, 2)
        for _ in range(100):
            if worker.status().pending == 0 and worker.status().delivered == 3:
                break
            threading.Event().wait(0.05)
    finally:
        worker.stop()
    assert len(receiver.applied) == 3
