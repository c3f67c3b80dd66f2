"""Open the store: encrypted with the data key when the box has one (SQLCipher: every page
AES-256 with its own HMAC), WAL (the GUI reads while the service writes), foreign keys, a busy
timeout, and every pending migration applied in order.

The driver is SQLCipher's build of SQLite with the standard library's `sqlite3` interface; the
whole product goes through it, so one SQLite library holds the file's locks in a process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.migrations import MIGRATIONS
from appliance.errors import ApplianceError
from appliance.keys.keyring import Keyring, load_keyring
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
        conn = connect(path, timeout=5.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


PLAIN_HEADER = b"SQLite format 3\x00"


def connect(path: Path | str, mode: str = "rwc", timeout: float = 5.0, keyring: Keyring | None = None,
            **kwargs) -> sqlite3.Connection:
    """A connection to the store file at `path` (autocommit; `mode` "rwc", "rw" or "ro" as in
    SQLite's URIs), opened with the data key when the file is encrypted, and created encrypted
    when it is new and the box has a key. `keyring` overrides the key file beside the store."""
    uri = ":memory:" if str(path) == ":memory:" else f"file:{path}?mode={mode}"
    if uri == ":memory:" or is_plain_store(Path(path)):
        return _open(uri, timeout, None, kwargs)
    keyring = keyring or load_keyring(Path(path).parent)
    if keyring is None:
        if Path(path).exists() and Path(path).stat().st_size:
            raise StoreError(f"the store {path} is not a plain SQLite file and this box has no data key: it is "
                             f"damaged, or encrypted and its key is missing (restore a backup with `appliance crm "
                             f"restore`, or the key with `appliance keys recover`)")
        return _open(uri, timeout, None, kwargs)
    for _key_id, key in keyring.in_order():
        conn = _open(uri, timeout, key, kwargs)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" not in str(exc):
                raise StoreError(f"cannot open the store {path}: {exc}") from None
    raise StoreError(f"the store {path} does not open with this box's data key: it was encrypted with "
                     f"another key (restore it with `appliance keys recover`)")


def _open(uri: str, timeout: float, key: bytes | None, kwargs: dict) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(uri, uri=uri.startswith("file:"), timeout=timeout, isolation_level=None, **kwargs)
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our StoreError, not a line on stderr
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {uri}: {exc}") from None
    if key is not None:
        use_key(conn, "main", key)
    return conn


def store_keyring(conn: sqlite3.Connection) -> Keyring | None:
    """The keyring of the store `conn` has open, or None when that store is not encrypted."""
    main_file = conn.execute("PRAGMA database_list").fetchone()[2]
    if not main_file or is_plain_store(Path(main_file)):
        return None
    return load_keyring(Path(main_file).parent)


def copy_store(source: sqlite3.Connection, target: Path | str) -> sqlite3.Connection:
    """An online copy (SQLite's backup; the service may write meanwhile) of the store `source`
    has open into `target` (":memory:" or a new file), encrypted with the store's own key when
    the store is encrypted; returns the copy's connection."""
    keyring = store_keyring(source)
    uri = ":memory:" if str(target) == ":memory:" else f"file:{target}?mode=rwc"
    copy = _open(uri, 5.0, keyring.key if keyring else None, {})
    try:
        source.backup(copy)
    except sqlite3.Error as exc:
        copy.close()
        raise StoreError(f"cannot copy the store to {target}: {exc}") from None
    return copy


def use_key(conn: sqlite3.Connection, schema: str, key: bytes) -> None:
    """Give the connection's database `schema` the raw 256-bit data key (no passphrase stretching)."""
    conn.execute(f"PRAGMA {schema}.key = \"x'{key.hex()}'\"")


def is_plain_store(path: Path) -> bool:
    """Whether `path` is an unencrypted SQLite file (a missing or empty file is not)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


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
