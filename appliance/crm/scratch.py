"""A throwaway copy of the store for a test call: the agent reads the real calendar, contacts
and messages, and whatever it books or leaves disappears with the copy."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.calls import CallLog
from appliance.crm.db import copy_store, open_store, store_keyring, transaction
from appliance.keys.keyring import save_keyring

log = logging.getLogger(__name__)


@contextmanager
def scratch_copy(database: Path) -> Iterator[Path]:
    """A private copy of the store at `database`, taken with SQLite's online backup (the
    service may be writing meanwhile), in a temporary folder deleted on leaving. An encrypted
    store's copy is encrypted too, with the store's key file beside it in that folder."""
    source = open_store(database)
    with tempfile.TemporaryDirectory(prefix="appliance-scratch-") as folder:  # mode 0700
        copy = Path(folder) / database.name
        try:
            keyring = store_keyring(source.conn)
            copy_store(source.conn, copy).close()
        finally:
            source.conn.close()
        if keyring:
            save_keyring(Path(folder), keyring)
        yield copy


class MirroredCallLog(CallLog):
    """The call log of a call whose agent writes to a copy: each call's row goes into the live
    store and, with the same id, into the copy, so that what the agent writes there (a message,
    a booking: rows that refer to their call) is accepted by the copy as it would be live."""

    def __init__(self, db: sqlite_utils.Database, copy: sqlite_utils.Database) -> None:
        super().__init__(db)
        self.copy = copy

    def start(self, caller_number: str, caller_name: str, direction: str = "inbound") -> int:
        """Record a new call in the live store, then the same row in the copy; return its id."""
        call_id = super().start(caller_number, caller_name, direction)
        cursor = self.db.execute("SELECT * FROM calls WHERE id = ?", [call_id])
        row, columns = cursor.fetchone(), [d[0] for d in cursor.description]
        try:
            with transaction(self.copy) as conn:
                conn.execute(f"INSERT OR REPLACE INTO calls ({', '.join(columns)}) "  # noqa: S608 - the table's own columns
                             f"VALUES ({', '.join('?' * len(columns))})", row)
        except sqlite3.Error as exc:
            log.warning("the copy of the store did not take call %d: %s", call_id, exc)
        return call_id
