"""The local SIP edge's files rendered from `[sip]` (fast: no process but a syntax check)."""

from __future__ import annotations

import argparse
import shutil
import stat
import subprocess

import pytest

from appliance.cli.edge_cmd import run_render
from appliance.config import SipConfig
from appliance.sip.edge import CONFIG_NAME, TLS_CONFIG_NAME, render_config, trunk_address, write_edge


@pytest.fixture()
def ca(tmp_path) -> str:
    path = tmp_path / "trunk-ca.pem"
    path.write_text("-----BEGIN PLACEHOLDER-----\n")
    return str(path)


def edge(ca: str, **changes) -> SipConfig:
    values = {"register": True, "registrar": "sip.trunk.example", "user": "u", "tls_edge": True, "port": 5060,
              "edge_port": 5070, "tls_ca": ca, "srtp": "mandatory", **changes}
    return SipConfig(**values)


@pytest.mark.parametrize("registrar, address", [
    ("sip.trunk.example", ("sip.trunk.example", 5061)),
    ("sip.trunk.example:5071", ("sip.trunk.example", 5071)),
    ("203.0.113.5", ("203.0.113.5", 5061)),
    ("[2001:db8::5]:5062", ("2001:db8::5", 5062)),
])
def test_the_trunk_is_reached_on_5061_unless_the_registrar_names_a_port(ca, registrar, address):
    assert trunk_address(edge(ca, registrar=registrar)) == address


def test_the_box_talks_to_the_edge_on_loopback_and_the_edge_to_the_trunk_over_tls(ca, tmp_path):
    cfg = render_config(edge(ca), tmp_path / "tls.cfg")
    assert "listen=udp:127.0.0.1:5070\n" in cfg and "listen=tls:127.0.0.1:5070\n" in cfg
    assert cfg.count("listen=") == 2, "nothing listens beyond loopback"
    assert '$du = "sip:sip.trunk.example:5061;transport=tls";' in cfg
    assert '$du = "sip:127.0.0.1:5060;transport=udp";' in cfg
    assert '$xavp(tls=>server_name) = "sip.trunk.example";' in cfg
    assert ('$tls_peer_san_hostname == "sip.trunk.example" || $tls_peer_san_hostname == "*.trunk.example"'
            in cfg), "the certificate's name is checked, a wildcard one level up included"
    assert "its certificate is not made out to sip.trunk.example" in cfg
    assert "@" not in cfg.replace("$shv", ""), "every placeholder is filled in"


def test_an_ip_registrar_is_checked_against_the_certificate_s_ip_name(ca, tmp_path):
    cfg = render_config(edge(ca, registrar="203.0.113.5:5061"), tmp_path / "tls.cfg")
    assert 'if ($tls_peer_san_ip == "203.0.113.5") { return; }' in cfg
    assert '$xavp(tls=>server_name) = "";' in cfg  # no SNI for an address


def test_the_files_ask_for_tls_1_2_or_newer_and_the_trunk_s_ca(ca, tmp_path):
    main = write_edge(edge(ca), tmp_path / "edge")
    tls = (tmp_path / "edge" / TLS_CONFIG_NAME).read_text()
    assert main.name == CONFIG_NAME
    assert f'modparam("tls", "config", "{main.with_name(TLS_CONFIG_NAME)}")' in main.read_text()
    assert tls.count("method = TLSv1.2+") == 2
    client = tls.split("[client:default]")[1]
    assert "verify_certificate = yes" in client and "require_certificate = yes" in client
    assert f"ca_list = {ca}" in client
    key = tmp_path / "edge" / "edge-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    write_edge(edge(ca), tmp_path / "edge")
    assert key.read_bytes() == before, "the edge's own key is made once"


def test_without_verification_neither_certificate_nor_name_is_checked(ca, tmp_path):
    config = edge(ca, tls_verify_server=False)
    main = write_edge(config, tmp_path / "edge")
    client = (tmp_path / "edge" / TLS_CONFIG_NAME).read_text().split("[client:default]")[1]
    assert "verify_certificate = no" in client and "ca_list" not in client
    assert "return;  # sip.tls_verify_server = false" in main.read_text()


@pytest.mark.skipif(shutil.which("kamailio") is None, reason="kamailio is not installed")
def test_kamailio_accepts_the_rendered_config(ca, tmp_path):
    main = write_edge(edge(ca, registrar="203.0.113.5"), tmp_path / "edge")
    check = subprocess.run(["kamailio", "-c", "-f", str(main)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr[-2000:]


def test_the_render_command_writes_nothing_when_the_edge_is_off(ca, tmp_path, capsys):
    config = tmp_path / "appliance.toml"
    config.write_text("[sip]\nregister = false\n")
    assert run_render(argparse.Namespace(config=config, folder=tmp_path / "edge")) == 1
    assert not (tmp_path / "edge").exists()
    config.write_text(f'[sip]\nregister = true\nregistrar = "sip.trunk.example"\nuser = "u"\ntls_edge = true\n'
                      f'tls_ca = "{ca}"\n')
    assert run_render(argparse.Namespace(config=config, folder=tmp_path / "edge")) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "edge" / CONFIG_NAME)
