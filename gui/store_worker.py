"""Store work off the GUI thread: one worker thread owns the window's store connection."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlite_utils
from PySide6.QtCore import QObject, Signal

from appliance.config import Config
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.schedule import Schedule

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Store:
    """The store as the window uses it (only ever touched on the worker thread)."""

    db: sqlite_utils.Database
    tz: ZoneInfo
    contacts: Contacts
    schedule: Schedule
    appointments: Appointments


class StoreWorker(QObject):
    """`run(fn, on_done, on_error)`: `fn(store)` runs on the worker; the callbacks run on
    the GUI thread. A failure without `on_error` goes to the `failed` signal."""

    failed = Signal(str)
    _finished = Signal(object, object)  # callback, value

    def __init__(self, database: Path, config: Config, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.config = config
        self._store: Store | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="gui-store")
        self._finished.connect(lambda callback, value: callback(value))

    def run(self, fn: Callable[[Store], T], on_done: Callable[[T], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> Future:
        """Queue `fn(store)`; return its future too (tests wait on it)."""
        def work() -> T:
            try:
                value = fn(self._open())
            except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in Qt
                log.warning("store work failed: %s", exc)
                if on_error is not None:
                    self._finished.emit(on_error, exc)
                else:
                    self._finished.emit(self.failed.emit, str(exc))
                raise
            if on_done is not None:
                self._finished.emit(on_done, value)
            return value
        return self._pool.submit(work)

    def close(self) -> None:
        """Finish queued work and stop the thread."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _open(self) -> Store:
        if self._store is None:
            db = open_store(self.database)
            tz = ZoneInfo(self.config.clinic.timezone)
            crm = self.config.crm
            self._store = Store(db, tz, Contacts(db, crm.country_code, crm.trunk_prefix), Schedule(db),
                                Appointments(db, tz))
        return self._store
