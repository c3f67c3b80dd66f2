"""TLS for SIP and SRTP for the audio, as pjsua2 settings (shared by the agent and the test phone)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass

import pjsua2 as pj

from appliance.errors import ApplianceError

SRTP_USE = {"off": pj.PJMEDIA_SRTP_DISABLED, "optional": pj.PJMEDIA_SRTP_OPTIONAL,
            "mandatory": pj.PJMEDIA_SRTP_MANDATORY}
# never SSL or TLS 1.0/1.1; 1.3 where pjsua2's OpenSSL has it (the wheel's 1.0.2 has not)
TLS_PROTOCOLS = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3
SECURE_PROTOCOLS = (pj.PJMEDIA_TP_PROTO_RTP_SAVP, pj.PJMEDIA_TP_PROTO_RTP_SAVPF,
                    pj.PJMEDIA_TP_PROTO_DTLS_SRTP, pj.PJMEDIA_TP_PROTO_DTLS_SRTPF)


class TlsFileError(ApplianceError):
    """A TLS certificate, key or CA file the SIP stack needs cannot be read."""

    code = "sip.tls_file"


@dataclass(frozen=True)
class TlsFiles:
    """This endpoint's certificate and key (to accept TLS), the CAs it trusts, and whether
    it checks the certificate of the servers it connects to."""

    cert: str = ""
    key: str = ""
    ca: str = ""
    verify_server: bool = False


def check_tls_files(files: TlsFiles) -> None:
    """Load the files as OpenSSL will (pjsip reads them only at the first handshake, and then
    fails the call without a word); `TlsFileError` says which one is wrong."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if files.cert:
        _load(lambda: context.load_cert_chain(files.cert, files.key or None, password=b""),
              f"certificate {files.cert} with the key {files.key}",
              "PEM files, the key unencrypted and matching the certificate")
    if files.ca:
        _load(lambda: context.load_verify_locations(files.ca), f"CA list {files.ca}", "PEM certificates")


def _load(load: Callable[[], None], what: str, expected: str) -> None:
    try:
        load()
    except OSError as exc:  # ssl.SSLError included
        raise TlsFileError(f"the TLS {what} cannot be used: {exc.strerror or exc} (expected: {expected}, "
                           "readable by this user)") from None


def tls_config(files: TlsFiles, config: pj.TlsConfig) -> None:
    """Fill pjsua2's `TlsConfig` from `files` (checked first with `check_tls_files`)."""
    check_tls_files(files)
    config.certFile = files.cert
    config.privKeyFile = files.key
    config.CaListFile = files.ca
    config.verifyServer = files.verify_server
    config.verifyClient = False  # trunks and phones rarely present one; the INVITE ACL applies
    config.requireClientCert = False
    config.proto = TLS_PROTOCOLS


def apply_srtp(media: pj.AccountMediaConfig, mode: str, keys_stay_on_box: bool = False) -> None:
    """SRTP `off`, `optional` or `mandatory` (SDES keys, so only over TLS signalling, or over the
    loopback hop to the local edge when `keys_stay_on_box`: the edge carries them on over TLS)."""
    media.srtpUse = SRTP_USE[mode]
    # 1: TLS on the hop that carries the keys; 0: no demand (the hop is 127.0.0.1)
    media.srtpSecureSignaling = 0 if mode == "off" or keys_stay_on_box else 1


def audio_is_srtp(call: pj.Call, index: int) -> bool:
    """True when the call's audio stream `index` is carried over SRTP."""
    try:
        return call.getStreamInfo(index).proto in SECURE_PROTOCOLS
    except pj.Error:
        return False
