"""`[sip]` TLS and SRTP settings: what is refused, and why, in the words the clinic's IT person reads."""

import pytest

from appliance.config import SipConfig, load_config
from appliance.config import telephony
from appliance.errors import ConfigError


@pytest.fixture()
def pem(tmp_path) -> dict[str, str]:
    """Placeholder certificate, key and CA files (the config only checks that they exist)."""
    files = {}
    for name in ("cert", "key", "ca"):
        path = tmp_path / f"{name}.pem"
        path.write_text("-----BEGIN PLACEHOLDER-----\n")
        files[name] = str(path)
    return files


def test_tls_settings_are_read_from_the_file(tmp_path, pem):
    path = tmp_path / "appliance.toml"
    path.write_text(f'[sip]\ntransport = "tls"\nport = 5061\ntls_cert = "{pem["cert"]}"\n'
                    f'tls_key = "{pem["key"]}"\ntls_ca = "{pem["ca"]}"\nsrtp = "mandatory"\n')
    sip = load_config(path).sip
    assert (sip.transport, sip.srtp, sip.tls_cert, sip.tls_key) == ("tls", "mandatory", pem["cert"], pem["key"])
    assert sip.tls_verify_server and sip.tls_ca_file == pem["ca"]


@pytest.mark.parametrize("changes, message", [
    ({"tls_cert": "/nonexistent/cert.pem"}, "sip.tls_cert: there is no file /nonexistent/cert.pem"),
    ({"tls_key": "/nonexistent/key.pem"}, "sip.tls_key: there is no file /nonexistent/key.pem"),
    ({"tls_ca": "/nonexistent/ca.pem"}, "sip.tls_ca: there is no file /nonexistent/ca.pem"),
    ({"tls_key": ""}, "sip.tls_cert and sip.tls_key go together"),
    ({"tls_cert": "", "tls_key": ""}, "sip.transport = 'tls' with sip.register = false needs sip.tls_cert"),
    ({"transport": "udp", "srtp": "mandatory"}, "sip.srtp = 'mandatory' needs sip.transport = 'tls'"),
    ({"transport": "tcp", "srtp": "optional"}, "sip.srtp = 'optional' needs sip.transport = 'tls'"),
])
def test_bad_tls_and_srtp_settings_are_refused(pem, changes, message):
    values = {"transport": "tls", "tls_cert": pem["cert"], "tls_key": pem["key"], "tls_ca": pem["ca"], **changes}
    with pytest.raises(ConfigError) as err:
        SipConfig(**values)
    assert message in str(err.value)


def test_srtp_over_udp_says_why():
    with pytest.raises(ConfigError, match="readable by anyone on the network over udp"):
        SipConfig(srtp="mandatory")


def test_verifying_the_server_needs_a_ca_list(pem, monkeypatch, tmp_path):
    monkeypatch.setattr(telephony, "SYSTEM_CA_FILE", str(tmp_path / "no-system-bundle.crt"))
    with pytest.raises(ConfigError, match="sip.tls_verify_server = true needs sip.tls_ca"):
        SipConfig(transport="tls", register=True, registrar="trunk.example", user="u")
    trunk = SipConfig(transport="tls", register=True, registrar="trunk.example", user="u", tls_verify_server=False)
    assert trunk.tls_ca_file == "" and not trunk.tls_cert  # registering needs no certificate of its own
    assert SipConfig(transport="tls", register=True, registrar="t", user="u", tls_ca=pem["ca"]).tls_ca_file == pem["ca"]


def test_the_system_ca_bundle_is_the_default(monkeypatch, tmp_path):
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_text("")
    monkeypatch.setattr(telephony, "SYSTEM_CA_FILE", str(bundle))
    assert SipConfig(transport="tls", register=True, registrar="t", user="u").tls_ca_file == str(bundle)


def edge(**changes) -> SipConfig:
    """A box reaching its trunk through the local SIP edge, with SRTP."""
    values = {"register": True, "registrar": "sip.trunk.example:5061", "user": "4930123456", "tls_edge": True,
              "srtp": "mandatory", **changes}
    return SipConfig(**values)


def test_the_edge_allows_srtp_over_the_loopback_hop(tmp_path, pem):
    path = tmp_path / "appliance.toml"
    path.write_text(f'[sip]\nregister = true\nregistrar = "sip.trunk.example"\nuser = "u"\ntls_edge = true\n'
                    f'edge_port = 5080\ntls_ca = "{pem["ca"]}"\nsrtp = "mandatory"\n')
    sip = load_config(path).sip
    assert (sip.tls_edge, sip.edge_port, sip.transport, sip.srtp) == (True, 5080, "udp", "mandatory")


@pytest.mark.parametrize("changes, message", [
    ({"register": False}, "sip.tls_edge = true needs sip.register = true"),
    ({"transport": "tcp"}, "sip.tls_edge = true takes sip.transport = 'udp'"),
    ({"transport": "tls"}, "sip.tls_edge = true takes sip.transport = 'udp'"),
    ({"edge_port": 5060}, "sip.edge_port must be 1024..65535 and differ from sip.port (5060), got 5060"),
    ({"edge_port": 80}, "sip.edge_port must be 1024..65535"),
])
def test_bad_edge_settings_are_refused(changes, message):
    with pytest.raises(ConfigError) as err:
        edge(**changes)
    assert message in str(err.value)


def test_the_edge_takes_no_certificate_of_the_box(pem):
    with pytest.raises(ConfigError, match="with sip.tls_edge = true nothing connects to the box"):
        edge(tls_cert=pem["cert"], tls_key=pem["key"])


def test_the_edge_checks_the_trunk_against_a_ca_list(monkeypatch, tmp_path):
    monkeypatch.setattr(telephony, "SYSTEM_CA_FILE", str(tmp_path / "no-system-bundle.crt"))
    with pytest.raises(ConfigError, match="sip.tls_verify_server = true needs sip.tls_ca"):
        edge()
    assert edge(tls_verify_server=False).tls_ca_file == ""


def test_srtp_without_tls_names_both_ways_to_get_it():
    with pytest.raises(ConfigError, match="needs sip.transport = 'tls' or sip.tls_edge = true"):
        SipConfig(transport="tcp", srtp="optional")
