"""Backup, restore and retention of the store."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.db import StoreError, connect, copy_store, is_plain_store, store_keyring, transaction
from appliance.crm.timeutil import now_utc
from appliance.errors import ApplianceError
from appliance.keys.key_note import note_path, read_note, write_note
from appliance.keys.keyring import KeyFileError, Keyring, load_keyring, save_keyring
from appliance.keys.recovery import open_with, parse_recovery_key, public_half
from appliance.private_files import create_private, make_private, private_dir

log = logging.getLogger(__name__)
RecoveryKey = str | Callable[[], str] | None  # the recovery key's text, or how to ask for it


def backup(db: sqlite_utils.Database, target: Path) -> Path:
    """An online, consistent copy of the store (the service may keep writing meanwhile); no
    other user may read it. A copy of an encrypted store is encrypted with the same key and has
    its key note beside it, so a restore on a new box needs only the recovery key."""
    private_dir(target.parent)
    tmp = target.with_suffix(target.suffix + ".partial")
    tmp.unlink(missing_ok=True)
    create_private(tmp)
    copy_store(db.conn, tmp).close()
    keyring = store_keyring(db.conn)
    check_integrity(tmp, keyring)
    if keyring:
        write_note(target, keyring)
    os.replace(tmp, target)
    return target


def check_integrity(path: Path, keyring: Keyring | None = None) -> None:
    """Raise `StoreError` unless SQLite's integrity check passes on the file (opened with
    `keyring`, else the key file beside it)."""
    conn = connect(path, "ro", keyring=keyring)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a readable SQLite store: {exc}") from None
    finally:
        conn.close()
    if result != "ok":
        raise StoreError(f"{path} failed its integrity check: {result}")


def restore(backup_file: Path, store: Path, recovery_key: RecoveryKey = None) -> Path:
    """Replace the store with a checked backup (the service must be stopped); the current
    store is kept beside it as `.before-restore`. An encrypted backup whose key this box does
    not have (a new box, or after a rotation) is opened with the clinic's recovery key, asked
    for (`recovery_key()`) only then; one without a key note is tried with this box's keys."""
    if not backup_file.is_file():
        raise StoreError(f"{backup_file}: no such file")
    keyring = None
    if not is_plain_store(backup_file):
        keyring = (backup_keyring(backup_file, store.parent, recovery_key) if note_path(backup_file).exists()
                   else load_keyring(store.parent))
    check_integrity(backup_file, keyring)
    tmp = store.with_suffix(store.suffix + ".restoring")
    shutil.copy2(backup_file, tmp)  # first: the backup may be the copy kept below
    make_private(tmp)  # copy2 copied the backup's mode, which may be wider
    kept = store.with_suffix(store.suffix + ".before-restore")
    if store.exists():
        _checkpoint(store)
        shutil.copy2(store, kept)
        make_private(kept)
    for suffix in ("-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    os.replace(tmp, store)
    return kept


def _checkpoint(store: Path) -> None:
    """Move what the store's -wal holds into the file itself, so that a copy of the file is whole
    (a store that no longer opens is copied as it is)."""
    try:
        conn = connect(store, "rw")
    except ApplianceError:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        log.warning("the store's journal could not be folded in before the restore: %s", exc)
    finally:
        conn.close()


def backup_keyring(backup_file: Path, data_dir: Path, recovery_key: RecoveryKey) -> Keyring:
    """The box's keyring holding the key of the encrypted `backup_file`: as it is when it has that
    key, else with the key opened from the backup's note with the recovery key (and saved).
    `recovery_key` is the key's text, or a function asking for it, called only when needed."""
    key_id, sealed = read_note(backup_file)
    keyring = load_keyring(data_dir)
    if keyring and key_id in keyring.keys:
        return keyring
    text = recovery_key() if callable(recovery_key) else recovery_key
    if not text:
        raise KeyFileError(f"{backup_file} was encrypted with a key this box does not have: it takes the "
                           f"clinic's recovery key")
    private = parse_recovery_key(text)
    key = open_with(private, sealed)
    keyring = (keyring or Keyring({}, "", public_half(private))).with_key(key_id, key)
    save_keyring(data_dir, keyring)
    return keyring


def purge(db: sqlite_utils.Database, transcript_days: int, recording_days: int) -> dict[str, int]:
    """Blank transcripts and delete recordings of calls older than the retention periods.
    Calls, bookings and messages themselves are kept."""
    now = now_utc()
    text_cutoff = (now - timedelta(days=transcript_days)).isoformat()
    audio_cutoff = (now - timedelta(days=recording_days)).isoformat()
    removed_files = 0
    for (path,) in db.execute("SELECT recording_path FROM calls WHERE recording_path IS NOT NULL "
                              "AND started_at < ?", [audio_cutoff]).fetchall():
        Path(path).unlink(missing_ok=True)
        removed_files += 1
    with transaction(db) as conn:
        conn.execute("UPDATE calls SET recording_path = NULL WHERE recording_path IS NOT NULL AND started_at < ?",
                     (audio_cutoff,))
        blanked = conn.execute("UPDATE turns SET text = '' WHERE text != '' AND call_id IN "
                               "(SELECT id FROM calls WHERE started_at < ?)", (text_cutoff,)).rowcount
    log.info("retention: %d turns blanked, %d recordings removed", blanked, removed_files)
    return {"turns_blanked": blanked, "recordings_removed": removed_files}
