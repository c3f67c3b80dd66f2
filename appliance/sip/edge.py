"""The local SIP edge: Kamailio on this box, speaking TLS 1.2 or newer to the trunk with the
system's OpenSSL, while the box's SIP stack talks plain SIP to it on 127.0.0.1.

Every request from the box goes to the registrar over one TLS connection (its certificate checked
against `sip.tls_ca` and its name against the registrar's host); whatever the trunk sends over
that connection goes to the box. The edge record-routes calls, so their later requests pass
through it both ways. Rendered from `SipConfig` (`appliance edge render`), never edited by hand.
"""

from __future__ import annotations

import glob
import ipaddress
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from appliance.config.telephony import LOOPBACK, SipConfig
from appliance.errors import ConfigError

TLS_PORT = 5061  # the registrar's port when `sip.registrar` names none
CONFIG_NAME = "kamailio-edge.cfg"
TLS_CONFIG_NAME = "kamailio-edge-tls.cfg"
REFUSED_VERSIONS = "SSLv3, TLS 1.0 and TLS 1.1"

TEMPLATE = """#!KAMAILIO
# The appliance's SIP edge, rendered from its [sip] settings: do not edit, change those.
# The box's SIP stack (plain SIP on @LOOPBACK@) <-> this edge <-> TLS 1.2+ <-> the trunk @TRUNK_NAME@
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
use_dns_cache=no  # the system resolver, /etc/hosts included
listen=udp:@LOOPBACK@:@EDGE_PORT@
# the socket TLS to the trunk goes out from; without a certificate it accepts no connection
listen=tls:@LOOPBACK@:@EDGE_PORT@
enable_tls=yes
tcp_connection_lifetime=@LIFETIME_S@
tcp_keepalive=yes
tcp_keepidle=30
mpath="@MODULES@"
loadmodule "tls.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "xlog.so"
modparam("tls", "config", "@TLS_CONFIG@")
modparam("tls", "connection_timeout", @LIFETIME_S@)
modparam("tls", "xavp_cfg", "tls")
modparam("tm", "fr_timer", 6000)
modparam("pv", "shvset", "name_refused=i:0")

# The edge is in the box's route set only: it adds its Record-Route on the way to the box and
# takes it off on the way to the trunk, to which it looks like one phone behind NAT (the trunk
# sends everything back over the TLS connection, as it does for any such phone).
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "OK"); exit; }
    if (proto == TLS) { route(TRUNK_NAME); }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    if (has_totag()) {  # the trunk's requests carry no Route to the edge: they go by where they come from
        if (!loose_route() && is_method("ACK") && t_check_trans()) { t_relay(); exit; }  # a failed INVITE's
    } else {
        loose_route();  # drops the box's preloaded Route to this edge
        t_check_trans();
    }
    if (proto == TLS) {  # from the trunk, over the connection the edge opened: to the box
        if (!has_totag()) {
            insert_hf("Record-Route: <@EDGE@>\r\n");
            t_on_reply("FROM_BOX");
        }
        $du = "@BOX@";
    } else {  # from the box: to the trunk over TLS, nowhere else
        if (!has_totag()) { setflag(1); }
        $du = "@TRUNK@";
        $xavp(tls=>server_name) = "@SERVER_NAME@";
        $shv(name_refused) = 0;
        t_on_reply("FROM_TRUNK");
        t_on_failure("TRUNK_UNREACHED");
    }
    if (!t_relay()) { sl_reply_error(); }
    exit;
}

onreply_route[FROM_BOX] {
    remove_hf_idx("Record-Route", 0);  # the edge's own, echoed by the box
}

reply_route {  # every reply, before the transaction sees it
    if (proto == TLS) { route(TRUNK_NAME); }
}

onreply_route[FROM_TRUNK] {
    if (isflagset(1) && status =~ "^(18|2)") { append_hf("Record-Route: <@EDGE@>\r\n"); }
}

# Kamailio checks the certificate's chain, not its name: every message from the trunk is checked
# here, and dropped when the certificate is not made out to the registrar (nothing answers the box
# then, so no password digest or SRTP key is ever sent over that connection)
route[TRUNK_NAME] {
@NAME_CHECK@
}

failure_route[TRUNK_UNREACHED] {
    if (t_is_canceled() || !t_branch_timeout() || t_branch_replied()) { exit; }
    if ($shv(name_refused) == 1) {
        t_reply("503", "TLS to the trunk refused: its certificate is not made out to @TRUNK_HOST@");
    } else {
        t_reply("503", "No TLS connection to the trunk @TRUNK_NAME@ (see the SIP edge's log)");
    }
}
"""


def kamailio_modules() -> str:
    """Kamailio's module folder (Debian puts it under the multiarch library folder)."""
    found = sorted(glob.glob("/usr/lib/*/kamailio/modules")) + ["/usr/lib/kamailio/modules"]
    return found[0]


def trunk_address(config: SipConfig) -> tuple[str, int]:
    """The registrar's host and TLS port (5061 unless `sip.registrar` says otherwise)."""
    try:
        parts = urlsplit(f"//{config.registrar}")
        return parts.hostname or "", parts.port or TLS_PORT
    except ValueError as exc:
        raise ConfigError(f"sip.registrar {config.registrar!r} is not host or host:port ({exc})") from None


def render_config(config: SipConfig, tls_config: Path) -> str:
    """The edge's kamailio.cfg for `config`, reading its TLS settings from `tls_config`."""
    host, port = trunk_address(config)
    values = {
        "@LOOPBACK@": LOOPBACK, "@EDGE_PORT@": str(config.edge_port), "@MODULES@": kamailio_modules(),
        "@TLS_CONFIG@": str(tls_config), "@TRUNK@": f"sip:{_uri_host(host)}:{port};transport=tls",
        "@TRUNK_NAME@": f"{host}:{port}", "@TRUNK_HOST@": host, "@SERVER_NAME@": "" if _is_ip(host) else host,
        "@BOX@": f"sip:{LOOPBACK}:{config.port};transport=udp", "@EDGE@": f"sip:{LOOPBACK}:{config.edge_port};lr",
        "@LIFETIME_S@": str(config.expiry_s + 120), "@NAME_CHECK@": _name_check(config, host, port),
    }
    text = TEMPLATE
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def render_tls_config(config: SipConfig, own_cert: Path, own_key: Path) -> str:
    """The edge's tls.cfg: TLS 1.2 or newer only; the trunk's certificate checked unless
    `sip.tls_verify_server = false`. Kamailio's TLS socket needs a certificate of its own
    (`own_cert`, self-signed); it accepts only clients holding its key, that is none: the edge
    only opens the one connection to the trunk."""
    verify = "yes" if config.tls_verify_server else "no"
    ca = f"ca_list = {config.tls_ca_file}\n" if config.tls_verify_server else ""
    return (f"# The SIP edge's TLS settings, rendered from the appliance's [sip] settings.\n"
            f"# {REFUSED_VERSIONS} are refused both ways.\n"
            f"[server:default]\nmethod = TLSv1.2+\ncertificate = {own_cert}\nprivate_key = {own_key}\n"
            f"verify_certificate = yes\nrequire_certificate = yes\nca_list = {own_cert}\n\n"
            f"[client:default]\nmethod = TLSv1.2+\nverify_certificate = {verify}\n"
            f"require_certificate = {verify}\n{ca}")


def write_edge(config: SipConfig, folder: Path) -> Path:
    """Write the edge's files into `folder`; return the main one (for `kamailio -f`)."""
    folder.mkdir(parents=True, exist_ok=True)
    own_cert, own_key = _own_certificate(folder)
    tls_config = folder / TLS_CONFIG_NAME
    tls_config.write_text(render_tls_config(config, own_cert, own_key))
    main = folder / CONFIG_NAME
    main.write_text(render_config(config, tls_config))
    return main


def _own_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for the edge's TLS socket (made once, key 0600)."""
    cert, key = folder / "edge-cert.pem", folder / "edge-key.pem"
    if cert.is_file() and key.is_file():
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "appliance SIP edge")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + timedelta(days=3650))
                   .sign(private, hashes.SHA256()))
    key.touch(mode=0o600)
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _uri_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _name_check(config: SipConfig, host: str, port: int) -> str:
    """Script lines dropping a message whose TLS certificate is not made out to `host`: its IP
    name, or its first DNS name (a wildcard one level up included)."""
    if not config.tls_verify_server:
        return "    return;  # sip.tls_verify_server = false: neither the certificate nor its name is checked"
    if _is_ip(host):
        matches = f'$tls_peer_san_ip == "{host}"'
    else:
        names = [host.lower()] + (["*." + host.lower().split(".", 1)[1]] if "." in host else [])
        matches = " || ".join(f'$tls_peer_san_hostname == "{name}"' for name in names)
    return (f"    if ({matches}) {{ return; }}\n"
            f"    $shv(name_refused) = 1;\n"
            f'    xlog("L_ERR", "dropped a message from the trunk {host}:{port}: its certificate is not made out to '
            f'{host} (its DNS name: $tls_peer_san_hostname, IP: $tls_peer_san_ip)\\n");\n'
            f"    drop;")
