"""Backup, restore and retention of the store."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import sqlite_utils

from appliance.crm.db import StoreError, transaction
from appliance.crm.timeutil import now_utc
from appliance.private_files import create_private, make_private, private_dir

log = logging.getLogger(__name__)


def backup(db: sqlite_utils.Database, target: Path) -> Path:
    """An online, consistent copy of the store (the service may keep writing meanwhile); no
    other user may read it."""
    private_dir(target.parent)
    tmp = target.with_suffix(target.suffix + ".partial")
    create_private(tmp)
    dest = sqlite3.connect(str(tmp))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    check_integrity(tmp)
    os.replace(tmp, target)
    return target


def check_integrity(path: Path) -> None:
    """Raise `StoreError` unless SQLite's integrity check passes on the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a readable SQLite store: {exc}") from None
    finally:
        conn.close()
    if result != "ok":
        raise StoreError(f"{path} failed its integrity check: {result}")


def restore(backup_file: Path, store: Path) -> Path:
    """Replace the store with a checked backup (the service must be stopped); the current
    store is kept beside it as `.before-restore`."""
    check_integrity(backup_file)
    kept = store.with_suffix(store.suffix + ".before-restore")
    if store.exists():
        shutil.copy2(store, kept)
        make_private(kept)
    for suffix in ("-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    tmp = store.with_suffix(store.suffix + ".restoring")
    shutil.copy2(backup_file, tmp)
    make_private(tmp)  # copy2 copied the backup's mode, which may be wider
    os.replace(tmp, store)
    return kept


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
