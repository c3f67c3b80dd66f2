"""The recovery key: an X25519 key pair whose private half is printed once for the clinic to keep.

The box keeps only the public half, so it can seal each new data key to it (at set-up and at
every rotation) without ever holding what opens it again. A backup carries its data key sealed
this way; on a new box the printed recovery key opens it.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from appliance.errors import ApplianceError

PREFIX = "RK1"
_INFO = b"appliance recovery key wrap v1"
_RAW = serialization.Encoding.Raw


class RecoveryKeyError(ApplianceError):
    """A recovery key that is mistyped, or not the one this backup's key was sealed to."""

    code = "keys.recovery"


def new_recovery_key() -> tuple[str, bytes]:
    """A fresh recovery key: (the text to print, its public half to keep)."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return recovery_text(raw), public_half(private)


def recovery_text(raw: bytes) -> str:
    """32 bytes as the printed key: RK1-, then groups of four letters and digits, then a check group."""
    body = base64.b32encode(raw + hashlib.sha256(raw).digest()[:2]).decode().rstrip("=")
    return "-".join([PREFIX, *(body[i:i + 4] for i in range(0, len(body), 4))])


def parse_recovery_key(text: str) -> X25519PrivateKey:
    """The private key in `text` (spaces, dashes and case do not matter); a typing mistake is refused."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if not cleaned.startswith(PREFIX):
        raise RecoveryKeyError(f"a recovery key starts with {PREFIX}-")
    body = cleaned[len(PREFIX):].replace("0", "O").replace("1", "I").replace("8", "B")
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise RecoveryKeyError("the recovery key has characters it cannot contain: check the copy") from None
    raw, check = data[:32], data[32:]
    if len(raw) != 32 or hashlib.sha256(raw).digest()[:2] != check:
        raise RecoveryKeyError("the recovery key is mistyped (its check group does not match)")
    return X25519PrivateKey.from_private_bytes(raw)


def seal_to(public: bytes, secret: bytes) -> bytes:
    """`secret` sealed to the recovery key's public half: an ephemeral public key, a nonce and the cipher text."""
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    key = _wrap_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(public)), public)
    return public_half(ephemeral) + nonce + AESGCM(key).encrypt(nonce, secret, public)


def open_with(private: X25519PrivateKey, sealed: bytes) -> bytes:
    """What `seal_to` sealed, opened with the recovery key; refused if it was sealed to another one."""
    public = public_half(private)
    ephemeral, nonce, body = sealed[:32], sealed[32:44], sealed[44:]
    key = _wrap_key(private.exchange(X25519PublicKey.from_public_bytes(ephemeral)), public)
    try:
        return AESGCM(key).decrypt(nonce, body, public)
    except InvalidTag:
        raise RecoveryKeyError("this recovery key does not open this key: it belongs to another box "
                               "or another set-up") from None


def public_half(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def _wrap_key(shared: bytes, public: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=public, info=_INFO).derive(shared)
