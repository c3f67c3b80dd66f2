"""The key file: the data keys (the one in use, and any still needed mid-rotation), the public
half of the recovery key, and each data key sealed to it.

It lives in `keys/data.key` in the data folder, readable by the service user and its group
(the front desk's window reads the store too) and nobody else. No key file: encryption is off.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from appliance.errors import ApplianceError
from appliance.keys.recovery import new_recovery_key, seal_to
from appliance.private_files import private_dir

KEY_MODE = 0o640  # the service user writes it, its group (the front desk) reads it
KEY_DIR_MODE = 0o750


class KeyFileError(ApplianceError):
    """The key file is unreadable, damaged, or missing where the data needs it."""

    code = "keys.file"


KEY_ID = re.compile(r"[0-9a-f]{16}")


def check_key_id(key_id: str) -> str:
    """`key_id` if it has the form of a key id (16 hex digits); ValueError otherwise."""
    if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
        raise ValueError(f"{key_id!r} is not a key id")
    return key_id


def key_path(data_dir: Path) -> Path:
    """Where the key file of the data folder `data_dir` lives."""
    return data_dir / "keys" / "data.key"


@dataclass(frozen=True)
class Keyring:
    """The data keys by id, which one new data is written with, and the recovery key's public half."""

    keys: dict[str, bytes]
    current: str
    recovery_public: bytes
    sealed: dict[str, bytes] = field(default_factory=dict)  # each data key sealed to the recovery key
    rotating_to: str = ""  # the key a rotation under way moves everything to ("" when none is)

    @property
    def key(self) -> bytes:
        """The data key new data is encrypted with."""
        return self.keys[self.current]

    def in_order(self) -> list[tuple[str, bytes]]:
        """Every key, the current one first (what to try on data whose key is not written on it)."""
        return [(self.current, self.key)] + [(k, v) for k, v in self.keys.items() if k != self.current]

    def with_new_key(self) -> Keyring:
        """This keyring with a fresh data key in use; the old ones stay until `only_current`."""
        return self.with_key(secrets.token_hex(8), secrets.token_bytes(32))

    def start_rotation(self) -> Keyring:
        """This keyring with a fresh key in use, marked as the target of a rotation under way."""
        fresh = self.with_new_key()
        return replace(fresh, rotating_to=fresh.current)

    def with_key(self, key_id: str, key: bytes) -> Keyring:
        """This keyring also holding `key` (a restored backup's), which becomes the one in use."""
        return replace(self, keys={**self.keys, key_id: key}, current=key_id,
                       sealed={**self.sealed, key_id: seal_to(self.recovery_public, key)})

    def only_current(self) -> Keyring:
        """This keyring without the keys a finished rotation no longer needs."""
        return replace(self, keys={self.current: self.key}, sealed={self.current: self.sealed[self.current]},
                       rotating_to="")


def create_keyring(data_dir: Path) -> tuple[Keyring, str]:
    """A new key file for `data_dir` (refused if one exists); returns it and the recovery key to print once."""
    path = key_path(data_dir)
    if path.exists():
        raise KeyFileError(f"{path} exists already: the data has its key (see `appliance keys status`)")
    recovery_text, public = new_recovery_key()
    keyring = Keyring({}, "", public).with_new_key()
    save_keyring(data_dir, keyring)
    return keyring, recovery_text


def load_keyring(data_dir: Path) -> Keyring | None:
    """The key file of `data_dir`, or None when there is none (encryption off)."""
    path = key_path(data_dir)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except PermissionError:
        raise KeyFileError(f"cannot read the data key {path}: this login needs to be in the group "
                           f"that owns it (the appliance group)") from None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"the data key {path} is damaged ({exc}): restore it from the recovery key "
                           f"with `appliance keys recover`") from None
    try:
        keyring = Keyring({check_key_id(k): bytes.fromhex(v) for k, v in raw["keys"].items()}, raw["current"],
                          _unb64(raw["recovery_public"]), {k: _unb64(v) for k, v in raw["sealed"].items()},
                          raw.get("rotating_to", ""))
        if keyring.current not in keyring.keys:
            raise KeyError("current")
        return keyring
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"the data key {path} is damaged (missing {exc}): restore it from the "
                           f"recovery key with `appliance keys recover`") from None


def save_keyring(data_dir: Path, keyring: Keyring) -> Path:
    """Write the key file whole (a new file, synced, then renamed over the old one): never half written."""
    path = key_path(data_dir)
    private_dir(path.parent)
    folder = path.parent.stat()
    if folder.st_uid == os.geteuid():  # keeps setgid: a new key file takes the folder's group
        os.chmod(path.parent, KEY_DIR_MODE | (folder.st_mode & stat.S_ISGID))
    owner = path.stat() if path.exists() else folder
    text = json.dumps({"version": 1, "current": keyring.current,
                       "keys": {k: v.hex() for k, v in keyring.keys.items()},
                       "recovery_public": _b64(keyring.recovery_public),
                       "sealed": {k: _b64(v) for k, v in keyring.sealed.items()},
                       "rotating_to": keyring.rotating_to}, indent=1)
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_MODE)
    try:
        os.fchmod(fd, KEY_MODE)
        if os.geteuid() == 0:  # root rotating or recovering: the service and its group keep the file
            os.fchown(fd, owner.st_uid, owner.st_gid)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
