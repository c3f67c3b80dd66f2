"""A throwaway certificate authority and server certificates (for 127.0.0.1), made with `openssl`."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_NAMES = "IP:127.0.0.1, DNS:localhost"
SERVER_EXTENSIONS = """subjectAltName = {names}
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
"""


@dataclass(frozen=True)
class TestCerts:
    """PEM files: the CA's certificate, and the server's certificate and key it signed."""

    __test__ = False  # not a test class, whatever pytest thinks of the name
    ca: Path
    cert: Path
    key: Path


def make_test_certs(folder: Path, names: str = SERVER_NAMES, authority: TestCerts | None = None) -> TestCerts:
    """A CA and a server certificate for `names` (valid two days) in `folder`; with `authority`,
    the certificate is signed by that CA instead of a new one."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)
    ca = authority.ca if authority else folder / "ca.pem"
    if authority is None:
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=Appliance test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text(SERVER_EXTENSIONS.format(names=names))
    run("x509", "-req", "-in", "server.csr", "-CA", str(ca), "-CAkey", str(ca.with_name("ca.key")),
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return TestCerts(ca, folder / "server.pem", folder / "server.key")
