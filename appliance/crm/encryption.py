"""Encrypting a plain store in place, and moving the store to a new data key.

Both need the store to themselves: the service and every front-desk window closed. A plain
store is first copied to a verified, encrypted backup, then to an encrypted copy checked table
by table against the original, which is renamed over it: at every moment either the plain
store or a complete encrypted one is in place.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.db import StoreError, connect, is_plain_store
from appliance.crm.spool import Spool
from appliance.crm.timeutil import now_utc
from appliance.errors import ApplianceError
from appliance.keys.key_note import write_note
from appliance.keys.keyring import KeyFileError, Keyring, key_path, load_keyring, save_keyring
from appliance.keys.sealing import is_sealed_file, is_sealed_line, reseal_file
from appliance.private_files import create_private, private_dir

log = logging.getLogger(__name__)


@contextmanager
def sole_use(path: Path, keyring: Keyring | None) -> Iterator[sqlite3.Connection]:
    """The store at `path`, open in this connection only: refused while another program has it open."""
    conn = connect(path, "rw", timeout=2.0, keyring=keyring)
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        mode = "" if "locked" in str(exc) or "busy" in str(exc) else str(exc)
    except sqlite3.Error as exc:
        mode = str(exc)
    if mode != "delete":
        conn.close()
        raise StoreError(f"{path} cannot be used alone now: {mode}" if mode else
                         f"the store {path} is open in another program: stop the service and close "
                         f"the front-desk windows first")
    try:
        yield conn
    finally:
        conn.close()


def row_counts(conn: sqlite3.Connection, schema: str = "main") -> dict[str, int]:
    """The number of rows of every table of `schema`."""
    tables = [r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
                                         f"AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in tables}


def export_copy(conn: sqlite3.Connection, target: Path, key: bytes | None) -> Path:
    """A complete copy of `conn`'s store into the new file `target`, encrypted with `key`
    (plain without), checked to hold the same rows and schema version as the original. It is
    written as `target.partial` and renamed only once checked: `target` is whole or absent."""
    private_dir(target.parent)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    Path(f"{partial}-journal").unlink(missing_ok=True)
    create_private(partial)
    try:
        conn.execute("ATTACH DATABASE ? AS copy KEY ?", (str(partial), f"x'{key.hex()}'" if key else ""))
        try:
            conn.execute("BEGIN")
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute("SELECT sqlcipher_export('copy')")
            conn.execute(f"PRAGMA copy.user_version = {int(version)}")
            conn.execute("COMMIT")
            same = (row_counts(conn, "copy") == row_counts(conn, "main")
                    and conn.execute("PRAGMA copy.user_version").fetchone()[0] == version
                    and conn.execute("PRAGMA copy.integrity_check").fetchone()[0] == "ok")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE copy")
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot copy the store to {target}: {exc}") from None
    if not same:
        partial.unlink(missing_ok=True)
        raise StoreError(f"the copy {target} does not match the store: nothing was changed")
    os.replace(partial, target)
    return target


def encrypt_store(path: Path, keyring: Keyring, backup_first: bool = True) -> Path | None:
    """Encrypt the plain store at `path` in place with the current data key; returns the verified
    encrypted backup taken first (when asked), or None when there was nothing to encrypt."""
    if not is_plain_store(path):
        return None
    backup = None
    with sole_use(path, None) as conn:
        if backup_first:
            name = f"appliance-before-encryption-{now_utc():%Y%m%d-%H%M%S}.db"
            backup = export_copy(conn, path.parent / "backups" / name, keyring.key)
            write_note(backup, keyring)
        encrypted = export_copy(conn, path.with_name(path.name + ".encrypting"), keyring.key)
        shutil.copymode(path, encrypted)  # the front desk's group keeps writing it
        os.replace(encrypted, path)
    log.warning("%s is now encrypted%s", path, f" (a verified encrypted backup is {backup})" if backup else "")
    return backup


def encrypt_if_keyed(path: Path) -> None:
    """At start: a plain store on a box with a data key is encrypted now; when it cannot be
    (another program has it open) the store is used as it is and the log says so."""
    keyring = load_keyring(path.parent)
    if keyring is None or not is_plain_store(path):
        return
    try:
        encrypt_store(path, keyring)
    except StoreError as exc:
        log.error("the store is not encrypted yet: %s", exc)
        return
    seal_data_folder(path.parent, keyring)


def rekey_store(path: Path, keyring: Keyring) -> bool:
    """Re-encrypt the store at `path` with the keyring's current key (it may use any of its keys);
    whether it changed. A plain store is left to `encrypt_store`."""
    if is_plain_store(path) or not path.exists() or _opens_with_current(path, keyring):
        return False
    with sole_use(path, keyring) as conn:
        try:
            conn.execute(f"PRAGMA rekey = \"x'{keyring.key.hex()}'\"")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot re-encrypt {path}: {exc}") from None
    return True


def _opens_with_current(path: Path, keyring: Keyring) -> bool:
    try:
        connect(path, "ro", keyring=keyring.only_current()).close()
        return True
    except StoreError:
        return False


def seal_data_folder(data_dir: Path, keyring: Keyring) -> dict[str, int]:
    """Bring every file of patient data the box keeps in `data_dir` to the current data key:
    backups (and the copy a restore keeps) encrypted or re-keyed with their key notes,
    recordings and the spool sealed again. Returns how many of each were rewritten, and how
    many could not be (each one logged; the others are done all the same)."""
    counts = {"backups": 0, "recordings": 0, "spool": 0, "failed": 0}
    store_copies = [*sorted((data_dir / "backups").glob("*.db")), data_dir / "appliance.db.before-restore"]
    for copy in (c for c in store_copies if c.exists()):
        if _each(counts, copy, lambda c=copy: encrypt_store(c, keyring, backup_first=False) or rekey_store(c, keyring)):
            counts["backups"] += 1
        _each(counts, copy, lambda c=copy: write_note(c, keyring))
    for recording in sorted((data_dir / "recordings").glob("*.wav")):
        counts["recordings"] += bool(_each(counts, recording, lambda r=recording: reseal_file(r, keyring)))
    spool = Spool(data_dir / "appliance.db.pending.jsonl", keyring)
    counts["spool"] = _each(counts, spool.path, spool.reseal) or 0
    return counts


def _each(counts: dict[str, int], path: Path, work: Callable[[], Any]) -> Any:
    """`work()` on one file; a file that fails is logged and counted, never stops the rest."""
    try:
        return work()
    except (ApplianceError, OSError) as exc:
        counts["failed"] += 1
        log.error("%s could not be brought to the current data key: %s", path, exc)
        return None


def rotate_key(data_dir: Path) -> tuple[Keyring, dict[str, int]]:
    """Move the store and every file of patient data to a new data key, then forget the old one.
    An interrupted rotation is finished by running it again (the keys it needs are all kept
    until the end). The service and the front-desk windows must be closed."""
    keyring = load_keyring(data_dir)
    if keyring is None:
        raise KeyFileError(f"encryption is off: there is no key file {key_path(data_dir)} to rotate "
                           f"(`appliance keys init` creates one)")
    if keyring.rotating_to != keyring.current:  # else: finishing a rotation cut off half-way
        keyring = keyring.start_rotation()
        save_keyring(data_dir, keyring)
    store = data_dir / "appliance.db"
    if is_plain_store(store):
        encrypt_store(store, keyring)
    rekey_store(store, keyring)
    counts = seal_data_folder(data_dir, keyring)
    if counts["failed"]:
        raise StoreError(f"{counts['failed']} file(s) could not be moved to the new key (the log says which): "
                         f"the old key is kept until they are; mend or remove them and rotate again")
    keyring = keyring.only_current()
    save_keyring(data_dir, keyring)
    log.warning("the data key is now %s", keyring.current)
    return keyring, counts


@dataclass(frozen=True)
class EncryptionState:
    """What is encrypted in a data folder, for `appliance keys status` and `doctor`."""

    key_id: str | None  # None: no key file, encryption is off
    store: str  # "encrypted", "plain" or "missing"
    plain_files: list[Path]  # backups, recordings and the spool still written without the key

    @property
    def complete(self) -> bool:
        """Whether encryption is on and nothing is left plain."""
        return self.key_id is not None and self.store != "plain" and not self.plain_files

    def summary(self) -> str:
        """One line in plain words."""
        if self.key_id is None:
            return "off: the store and recordings are plain files (`appliance keys init` turns it on)"
        plain = f"; {len(self.plain_files)} file(s) still plain, e.g. {self.plain_files[0].name} " \
                f"(stop the service, then `appliance keys rotate`)" if self.plain_files else ""
        if self.store == "plain":
            return (f"key {self.key_id} in place but the store is still plain: stop the service and close the "
                    f"front-desk windows, then run `appliance crm migrate`")
        return f"on (data key {self.key_id}): the store is {self.store}{plain}"


def encryption_state(data_dir: Path) -> EncryptionState:
    """How encryption stands in `data_dir` (reads only the files' first bytes)."""
    keyring = load_keyring(data_dir)
    store = data_dir / "appliance.db"
    state = "missing" if not store.exists() else "plain" if is_plain_store(store) else "encrypted"
    if keyring is None:
        return EncryptionState(None, state, [])
    plain = [p for p in sorted((data_dir / "backups").glob("*.db")) if is_plain_store(p)]
    plain += [p for p in sorted((data_dir / "recordings").glob("*.wav")) if not is_sealed_file(p)]
    spool = Spool(data_dir / "appliance.db.pending.jsonl", keyring)
    if spool.path.exists() and not all(map(is_sealed_line, spool.path.read_text().splitlines())):
        plain.append(spool.path)
    return EncryptionState(keyring.current, state, plain)
