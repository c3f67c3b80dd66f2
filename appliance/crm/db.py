"""Open the store: WAL (the GUI reads while the service writes), foreign keys, a busy timeout,
and every pending migration applied in order."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from appliance.crm.migrations import MIGRATIONS
from appliance.errors import ApplianceError
from appliance.private_files import create_private, make_private, private_dir

log = logging.getLogger(__name__)


class StoreError(ApplianceError):
    """The store cannot be opened or written."""

    code = "store.error"


def open_store(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at `path` (":memory:" for tests).

    A store file this creates has no permissions for other users, and nor have its -wal and
    -shm files (SQLite gives them the store file's mode)."""
    if isinstance(path, Path):
        try:
            _private_store_files(path)
        except OSError as exc:
            raise StoreError(f"cannot create the store {path}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(str(path), timeout=5.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


def _private_store_files(path: Path) -> None:
    """The store's folder and file, created without access for others; an existing store
    (and its -wal and -shm) this user owns loses any access others had."""
    private_dir(path.parent)
    create_private(path)
    for suffix in ("-wal", "-shm"):
        make_private(Path(f"{path}{suffix}"))


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: all of it is written or none."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(db: sqlite_utils.Database) -> int:
    """The number of migrations applied."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations, each in its own transaction; return the new version."""
    version = schema_version(db)
    for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(db) as conn:
            for sql in statements:
                conn.execute(sql)
            conn.execute(f"PRAGMA user_version={number}")
        log.info("store migrated to version %d", number)
    return schema_version(db)
