"""Deliver outbox events to the outside CRM's webhook: JSON, HMAC-signed, retried with backoff.

The outbox row is written in the same transaction as the change, and marked delivered only
after the webhook answered 2xx, so a crash or restart loses nothing; a redelivery carries
the same `Idempotency-Key`, so the receiver never applies an event twice.

`webhook_format="fhir"` sends each appointment event as an R4 `Appointment` resource instead
(`application/fhir+json`, see `appliance.crm.fhir`); other events (contacts, messages) have no
FHIR resource of their own here and keep the appliance JSON, told apart by the Content-Type.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo

import sqlite_utils

from appliance.crm.db import transaction
from appliance.crm.fhir import APPOINTMENT_EVENTS, FHIR_JSON, event_resource
from appliance.crm.timeutil import now_utc, utc_text
from appliance.errors import ConfigError

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Appliance-Signature"
FORMATS = ("appliance", "fhir")


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC>` of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OutboxStatus:
    """For the GUI: how many events wait, how many keep failing, and the last error."""

    pending: int
    failing: int
    delivered: int
    last_error: str


class OutboxWorker:
    """Sends due events in order; call `run_once` or start the background thread.

    `webhook_format` is `crm.webhook_format`; `tz` (the clinic's zone) sets the UTC offset of
    FHIR times.
    """

    def __init__(self, db: sqlite_utils.Database, url: str, secret: str, timeout_s: float = 5.0,
                 backoff_min_s: float = 2.0, backoff_max_s: float = 900.0, webhook_format: str = "appliance",
                 tz: tzinfo = UTC) -> None:
        if url and not secret:
            raise ConfigError("crm.webhook_secret is needed when crm.webhook_url is set "
                              "(it goes in secrets.toml beside the config file)")
        if webhook_format not in FORMATS:
            raise ConfigError(f"crm.webhook_format must be one of {FORMATS}, got {webhook_format!r}")
        self.db = db
        self.url = url
        self.secret = secret
        self.timeout_s = timeout_s
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self.webhook_format = webhook_format
        self.tz = tz
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, batch: int = 50) -> int:
        """Try every due event once (oldest first); return how many were delivered."""
        due = self.db.execute(
            "SELECT id, event_type, payload_json, idempotency_key, attempts FROM outbox "
            "WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            [utc_text(now_utc()), batch]).fetchall()
        delivered = 0
        for row_id, event_type, payload, key, attempts in due:
            error = self._post(event_type, payload, key)
            with transaction(self.db) as conn:
                if error is None:
                    conn.execute("UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' "
                                 "WHERE id = ?", (utc_text(now_utc()), row_id))
                    delivered += 1
                else:
                    delay = min(self.backoff_max_s, self.backoff_min_s * 2 ** attempts)
                    conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                                 "WHERE id = ?", (error, utc_text(now_utc() + timedelta(seconds=delay)), row_id))
            if error is not None:
                log.warning("outbox event %s not delivered: %s", key, error)
                break  # keep order: later events wait for this one
        return delivered

    def status(self) -> OutboxStatus:
        """Counts and the most recent error."""
        pending, failing, delivered = self.db.execute(
            "SELECT SUM(delivered_at IS NULL), SUM(delivered_at IS NULL AND attempts > 0), "
            "SUM(delivered_at IS NOT NULL) FROM outbox").fetchone()
        last = self.db.execute("SELECT last_error FROM outbox WHERE delivered_at IS NULL AND last_error != '' "
                               "ORDER BY id LIMIT 1").fetchone()
        return OutboxStatus(pending or 0, failing or 0, delivered or 0, last[0] if last else "")

    def start(self, interval_s: float = 1.0) -> None:
        """Deliver in the background until `stop()`."""
        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.run_once()
                except Exception:  # noqa: BLE001 - a locked store or a bad row must not end the worker
                    log.exception("outbox delivery failed")
        self._thread = threading.Thread(target=loop, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the background thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout_s + 2)

    def _body(self, event_type: str, payload: str, key: str) -> tuple[bytes, str]:
        """The request body and its Content-Type in the configured format."""
        data = json.loads(payload)
        if self.webhook_format == "fhir" and event_type in APPOINTMENT_EVENTS:
            return event_resource(self.db, event_type, data, self.tz).model_dump_json().encode(), FHIR_JSON
        body = json.dumps({"type": event_type, "idempotency_key": key, "data": data}, sort_keys=True)
        return body.encode(), "application/json"

    def _post(self, event_type: str, payload: str, key: str) -> str | None:
        try:
            body, content_type = self._body(event_type, payload, key)
        except (ValueError, KeyError) as exc:  # a payload the format cannot express: retried, shown in status
            return f"cannot build the {self.webhook_format} body: {str(exc).splitlines()[0]}"
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": content_type, "Idempotency-Key": key, SIGNATURE_HEADER: sign(self.secret, body)})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            return f"unreachable: {getattr(exc, 'reason', exc)}"
