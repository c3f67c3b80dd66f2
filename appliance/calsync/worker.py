"""The sync in the background: a change is written within about a quarter second (the queue is
looked at every tick), each calendar read every `poll_s` (and at once when `refresh()` is called,
as each call starts), with a back-off while the server is away or a pass fails. `sync_status`
tells status, doctor and the window how it stands."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.calsync.ledger import Ledger
from appliance.calsync.server import CalendarServer
from appliance.calsync.sync import CalendarSync, SyncReport
from appliance.config.calendar import CalendarConfig

log = logging.getLogger(__name__)
TICK_S = 0.25  # how often the queue is looked at: a change is written within about this
BACKOFF_MAX_S = 60.0


@dataclass(frozen=True)
class SyncStatus:
    """How the calendar sync stands, for people: 'off', 'ok', 'waiting' (never synced yet) or 'failing';
    `oldest_pending` is when the oldest change not yet written was made."""

    state: str
    pending: int
    last_sync_at: datetime | None
    last_error: str
    oldest_pending: datetime | None = None
    failing_since: datetime | None = None

    def report(self) -> dict[str, object]:
        """For the control channel: the state, changes waiting, the last error, and the words."""
        return {"state": self.state, "pending": self.pending, "last_error": self.last_error, "words": self.words()}

    def words(self) -> str:
        """One line for status, doctor and the window."""
        if self.state == "off":
            return "calendar sync: off"
        queued = f"; {self.pending} change(s) wait to be written" if self.pending else ""
        if self.state == "failing":
            since = f" since {self.failing_since:%H:%M} UTC" if self.failing_since else ""
            return f"calendar sync: failing{since}: {self.last_error}{queued}"
        if self.state == "waiting":
            return f"calendar sync: not synced yet{queued}"
        return f"calendar sync: ok, last read {self.last_sync_at:%H:%M:%S} UTC{queued}"


def sync_status(db: sqlite_utils.Database, config: CalendarConfig) -> SyncStatus:
    """The sync's state as recorded in the store (readable by any process)."""
    if not config.enabled:
        return SyncStatus("off", 0, None, "")
    ledger = Ledger(db)
    states = {s.calendar: s for s in ledger.states()}
    mine = [states.get(url) for url in config.calendar_urls()]
    failing = [s for s in mine if s is not None and s.last_error]
    synced = [s.last_sync_at for s in mine if s is not None and s.last_sync_at]
    state = "failing" if failing else "ok" if len(synced) == len(mine) else "waiting"
    return SyncStatus(state, ledger.pending(), min(synced) if synced else None,
                      failing[0].last_error if failing else "", ledger.oldest_pending(),
                      failing[0].failing_since if failing else None)


class CalendarWorker:
    """Runs `CalendarSync` on its own thread and its own store connection until `stop()`."""

    def __init__(self, db: sqlite_utils.Database, config: CalendarConfig, tz: ZoneInfo) -> None:
        self.db = db
        self.config = config
        self.sync = CalendarSync(db, config, CalendarServer(config), tz)
        self.ledger = Ledger(db)
        self.last_report = SyncReport()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Sync in the background."""
        self._thread = threading.Thread(target=self._loop, name="calendar-sync", daemon=True)
        self._thread.start()

    def refresh(self) -> None:
        """Read the calendars now (a call starts: the next slot offered must see the latest blocks)."""
        self._wake.set()

    def stop(self) -> None:
        """End the thread (a pass in progress finishes first)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.config.timeout_s * 3)

    def _loop(self) -> None:
        """Read on the poll (or when woken); between reads, write as soon as a change is queued.
        Entries the last write left (a conflict to settle, the server away) wait for the next read."""
        next_read, backoff, seen = 0.0, self.config.poll_s, None
        while not self._stop.is_set():
            woken = self._wake.is_set()
            self._wake.clear()
            try:
                if woken or time.monotonic() >= next_read:
                    self.last_report = self.sync.run_once()
                    backoff = min(BACKOFF_MAX_S, backoff * 2) if self.last_report.error else self.config.poll_s
                    next_read, seen = time.monotonic() + backoff, self.ledger.last_entry()
                elif seen is not None and not self.last_report.error and (latest := self.ledger.last_entry()) > seen:
                    seen = latest
                    self.sync.push(self.last_report)
            except Exception:  # noqa: BLE001 - a bad event or a locked store must not end the sync
                log.exception("calendar sync pass failed")
                backoff = min(BACKOFF_MAX_S, backoff * 2)
                next_read, seen = time.monotonic() + backoff, None  # nothing more until the next read
            self._wake.wait(TICK_S)
