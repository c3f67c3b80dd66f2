"""Writes the store refused (locked past its timeout, disk or quota full), kept until it works.

Each is one JSON line (sealed with the data key when the box has one) appended and fsynced to
a file next to the store; `replay` writes them
into the store in order and keeps only those it still could not write. Nothing a caller
said for the front desk is lost because the database was busy at that moment.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.messages import Messages
from appliance.crm.timeutil import now_utc, utc_text
from appliance.keys.keyring import Keyring, load_keyring
from appliance.keys.sealing import SealError, seal_line, unseal_line, write_file
from appliance.private_files import FILE_MODE

log = logging.getLogger(__name__)
_lock = threading.Lock()  # one writer per process: sessions and policies share the file


class Spool:
    """The file of pending writes for one store."""

    def __init__(self, path: Path, keyring: Keyring | None = None) -> None:
        self.path = path
        self.keyring = keyring  # None: lines are written as they are

    @classmethod
    def beside(cls, database: Path) -> Spool:
        """The spool of the store at `database`, sealed with its data key when the box has one."""
        return cls(database.with_name(database.name + ".pending.jsonl"), load_keyring(database.parent))

    def _line(self, record: dict) -> str:
        return seal_line(self.keyring, json.dumps(record, ensure_ascii=False)) + "\n"

    def add(self, kind: str, record: dict) -> None:
        """Append one pending write (only "message" so far) and make it durable."""
        line = self._line({"kind": kind, **record})
        with _lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)

    def pending(self) -> list[dict]:
        """The writes still waiting (unreadable lines are logged and skipped)."""
        return self._read()[0]

    def _read(self) -> tuple[list[dict], list[str]]:
        """The readable records, and the lines that cannot be read (kept in the file, never dropped)."""
        if not self.path.exists():
            return [], []
        records, unreadable = [], []
        for number, line in enumerate(self.path.read_text().splitlines(), start=1):
            try:
                records.append(json.loads(unseal_line(self.keyring, line)))
            except (json.JSONDecodeError, SealError) as exc:
                log.error("%s line %d is skipped: %s", self.path, number, exc)
                unreadable.append(line + "\n")
        return records, unreadable

    def reseal(self) -> int:
        """Write every line again with the current data key (after a rotation); how many lines."""
        with _lock:
            records, unreadable = self._read()
            if not records:
                return 0
            self._rewrite(unreadable, records)
        return len(records)

    def _rewrite(self, unreadable: list[str], records: list[dict]) -> None:
        """The file replaced whole by the unreadable lines as they were and `records` sealed anew."""
        text = "".join(unreadable) + "".join(self._line(r) for r in records)
        write_file(self.path, text.encode(), None)  # the lines are sealed already

    def replay(self, db: sqlite_utils.Database) -> int:
        """Write the pending records into the store; return how many were written."""
        with _lock:
            records, unreadable = self._read()
            if not records:
                return 0
            left, written = [], 0
            for record in records:
                try:
                    _write(db, record)
                    written += 1
                except sqlite3.Error as exc:
                    log.warning("a pending %s still cannot be written: %s", record.get("kind"), exc)
                    left.append(record)
            self._rewrite(unreadable, left)
        if written:
            log.info("wrote %d pending record(s) from %s into the store", written, self.path)
        return written


def _write(db: sqlite_utils.Database, record: dict) -> None:
    if record.get("kind") != "message":
        raise sqlite3.DataError(f"unknown pending record kind {record.get('kind')!r}")
    Messages(db).add(record["text"], record["caller_number"], record["caller_name"], record.get("contact_id"),
                     record["callback"], call_id=record.get("call_id"), created_at=record.get("created_at"))


def leave_message(db: sqlite_utils.Database, spool: Spool | None, text: str, number: str, name: str,
                  contact_id: int | None, callback: bool, call_id: int | None = None) -> int | None:
    """Write a message for the front desk; when the store refuses it, keep it in `spool`
    (return None) and log why. Without a spool the error is raised."""
    try:
        return Messages(db).add(text, number, name, contact_id, callback, call_id=call_id)
    except sqlite3.Error as exc:
        if spool is None:
            raise
        log.error("the store refused a message (%s); it is kept in %s until the store works", exc, spool.path)
        spool.add("message", {"text": text, "caller_number": number, "caller_name": name,
                              "contact_id": contact_id, "callback": callback, "call_id": call_id,
                              "created_at": utc_text(now_utc())})
        return None
