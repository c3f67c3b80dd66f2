"""Files with patient data, encrypted and authenticated (AES-256-GCM) with the data key.

A sealed file starts with a marker and the id of the key it was written with, then a fresh
nonce and the cipher text; any change to any byte is refused on reading. A file without the
marker was written before encryption was on and is read as it is.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appliance.errors import ApplianceError
from appliance.keys.keyring import Keyring
from appliance.private_files import create_private

MAGIC = b"APSEAL1\n"
_ID_LEN = 16  # hex characters of a key id
LINE_MARK = "sealed:"  # how a sealed line of text starts


class SealError(ApplianceError):
    """Sealed data that cannot be opened: damaged, or written with a key this box no longer has."""

    code = "keys.seal"


def seal(keyring: Keyring, data: bytes) -> bytes:
    """`data` encrypted with the current data key."""
    header = MAGIC + keyring.current.encode()
    nonce = os.urandom(12)
    return header + nonce + AESGCM(keyring.key).encrypt(nonce, data, header)


def unseal(keyring: Keyring | None, blob: bytes, what: str = "data") -> bytes:
    """The plain bytes of `blob`: opened with the key it names, or returned as it is when it was never sealed."""
    if not is_sealed(blob):
        return blob
    header = blob[:len(MAGIC) + _ID_LEN]
    key_id = sealed_with(blob)
    key = keyring.keys.get(key_id) if keyring else None
    if key is None:
        raise SealError(f"{what} is encrypted with key {key_id}, which this box does not have: "
                        f"restore that key with `appliance keys recover`")
    nonce, body = blob[len(header):len(header) + 12], blob[len(header) + 12:]
    try:
        return AESGCM(key).decrypt(nonce, body, header)
    except InvalidTag:
        raise SealError(f"{what} is damaged: its contents fail their check") from None


def is_sealed(blob: bytes) -> bool:
    """Whether `blob` was written by `seal`."""
    return blob.startswith(MAGIC)


def sealed_with(blob: bytes) -> str:
    """The id of the key a sealed `blob` names in its header."""
    return blob[len(MAGIC):len(MAGIC) + _ID_LEN].decode(errors="replace")


def is_sealed_file(path: Path) -> bool:
    """Whether the file at `path` was written sealed."""
    with open(path, "rb") as f:
        return is_sealed(f.read(len(MAGIC)))


def write_file(path: Path, data: bytes, keyring: Keyring | None) -> None:
    """Write `data` to `path` for no other user, sealed when a keyring is given (renamed into place whole)."""
    tmp = path.with_name(path.name + ".partial")
    create_private(tmp)
    with open(tmp, "wb") as out:
        out.write(seal(keyring, data) if keyring else data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def read_file(path: Path, keyring: Keyring | None) -> bytes:
    """The plain contents of a file `write_file` wrote (or of one written before encryption)."""
    return unseal(keyring, path.read_bytes(), str(path))


def reseal_file(path: Path, keyring: Keyring) -> bool:
    """Write `path` again with the current key unless it already uses it; whether it was rewritten."""
    blob = path.read_bytes()
    if is_sealed(blob) and sealed_with(blob) == keyring.current:
        return False
    write_file(path, unseal(keyring, blob, str(path)), keyring)
    return True


def seal_line(keyring: Keyring | None, text: str) -> str:
    """One line of text as one sealed line (base64), or as it is without a keyring."""
    if keyring is None:
        return text
    return LINE_MARK + base64.b64encode(seal(keyring, text.encode())).decode()


def is_sealed_line(line: str) -> bool:
    """Whether `line` was written by `seal_line` with a keyring."""
    return line.startswith(LINE_MARK)


def unseal_line(keyring: Keyring | None, line: str) -> str:
    """What `seal_line` made of a line, back as text."""
    if not is_sealed_line(line):
        return line
    try:
        blob = base64.b64decode(line[len(LINE_MARK):], validate=True)
    except ValueError:
        raise SealError("a sealed line is damaged: not base64") from None
    return unseal(keyring, blob, "a sealed line").decode()
