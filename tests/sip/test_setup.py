"""First-run set-up against a real registrar (Kamailio) and real staff phones on 127.0.0.1:
the registration check, the test call, and `appliance setup` writing the config and its secrets."""

from __future__ import annotations

import time
import tomllib
from dataclasses import replace

import pytest

from appliance import setup
from appliance.cli import main
from appliance.config import SipConfig, load_config
from tests.sip.conftest import AGENT_PASSWORD, USERS
from tests.sip.lab import free_port

pytestmark = pytest.mark.slow


@pytest.fixture()
def trunk(kamailio) -> SipConfig:
    """The trunk as the clinic's IT person would type it (the check picks its own free port)."""
    return SipConfig(register=True, registrar=kamailio.address, user="agent", password=AGENT_PASSWORD,
                     bind_address="127.0.0.1")


@pytest.fixture()
def staff_phone(kamailio, make_peer):
    """A staff phone registered at the trunk that answers, is busy or rings on; returns its address."""
    def make(mode: str) -> str:
        phone = make_peer("--register", f"staff:{USERS['staff']}@{kamailio.address}", "--mode", mode,
                          name=f"staff-{mode}")
        phone.wait("registered")
        return f"sip:staff@{kamailio.address}"
    return make


def test_registration_with_the_right_password(trunk):
    result = setup.check_registration(trunk)
    assert result.ok and result.code == 200
    assert result.message == f"registered with {trunk.registrar} as agent"


def test_a_wrong_password_is_named_as_such(trunk):
    result = setup.check_registration(replace(trunk, password="wrong"))
    assert not result.ok and result.code == 401
    assert result.message == "the trunk refused the username or password"
    assert "401 Unauthorized" in result.detail


def test_a_registrar_that_never_answers_times_out_with_what_to_check(trunk):
    silent = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = setup.check_registration(replace(trunk, registrar=silent), timeout_s=3)
    assert not result.ok
    assert result.message == f"no answer from {silent} - check the address, port, transport (udp) and firewall"
    assert time.monotonic() - started < 10


def test_a_closed_tcp_port_and_an_unknown_name_are_told_apart(trunk):
    closed = f"127.0.0.1:{free_port()}"
    refused = setup.check_registration(replace(trunk, registrar=closed, transport="tcp"), timeout_s=5)
    assert refused.message == f"{closed} refused the connection - check the port and the transport (tcp)"
    unknown = setup.check_registration(replace(trunk, registrar="no-such-trunk.invalid"))
    assert unknown.message.startswith("cannot find no-such-trunk.invalid - check the registrar's name")
    assert not setup.check_registration(SipConfig()).ok


def test_a_staff_phone_that_answers(trunk, staff_phone):
    result = setup.test_call(trunk, staff_phone("answer"))
    assert result.ok and result.code == 200
    assert result.message == "the phone answered (the test call was hung up again)"


def test_a_busy_staff_phone(trunk, staff_phone):
    result = setup.test_call(trunk, staff_phone("busy"))
    assert not result.ok and result.code == 486
    assert result.message == "the phone is busy (486 Busy Here)"


def test_a_staff_phone_nobody_picks_up(trunk, staff_phone):
    result = setup.test_call(trunk, staff_phone("no-answer"), timeout_s=3)
    assert not result.ok and result.code == 0
    assert result.message == "no answer: the phone rang for 3 s and nobody picked up"


def test_a_staff_phone_that_is_not_registered(trunk):
    result = setup.test_call(trunk, f"sip:nobody@{trunk.registrar}")
    assert not result.ok and result.code == 404
    assert "is the phone registered" in result.message


def test_a_direct_call_without_a_trunk(make_peer):
    phone = make_peer(name="desk")
    result = setup.test_call(SipConfig(bind_address="127.0.0.1"), phone.uri)
    assert result.ok
    phone.wait("ended")


def test_no_test_call_when_the_registration_fails(trunk, staff_phone):
    result = setup.test_call(replace(trunk, password="wrong"), staff_phone("answer"))
    assert result.message == "no test call: the trunk refused the username or password"


def setup_args(path, *extra: str) -> list[str]:
    return ["setup", "--config", str(path), *extra]


def test_setup_command_unattended_writes_the_config_and_its_secrets(tmp_path, kamailio, staff_phone, capsys):
    path = tmp_path / "etc" / "appliance.toml"
    path.parent.mkdir()
    path.write_text('[sip]\nbind_address = "127.0.0.1"\n[llm]\nmax_tokens = 64\n')
    uri = staff_phone("answer")
    code = main(setup_args(path, "--yes", "--skip-self-test", "--registrar", kamailio.address, "--user", "agent",
                           "--password", AGENT_PASSWORD, "--staff-uri", uri, "--clinic-name", "Riverside Dental",
                           "--timezone", "America/New_York", "--hours", "Monday to Friday, 8 to 6."))
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"Registering with {kamailio.address}... ok: registered" in out
    assert f"Calling {uri}... ok: the phone answered" in out
    main_file = tomllib.loads(path.read_text())
    assert "password" not in main_file["sip"] and main_file["llm"] == {"max_tokens": 64}
    secrets = path.parent / "secrets.toml"
    assert tomllib.loads(secrets.read_text()) == {"sip": {"password": AGENT_PASSWORD}}
    assert secrets.stat().st_mode & 0o777 == 0o600
    assert secrets.stat().st_uid == path.stat().st_uid
    config = load_config(path)
    assert config.sip.register and config.sip.registrar == kamailio.address and config.sip.password == AGENT_PASSWORD
    assert config.transfer.staff_uri == uri and config.clinic.name == "Riverside Dental"
    assert config.clinic.timezone == "America/New_York" and config.clinic.hours == "Monday to Friday, 8 to 6."


def test_setup_command_refuses_a_bad_time_zone_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "appliance.toml"
    code = main(setup_args(path, "--yes", "--password", "s3cret", "--timezone", "Mars/Olympus_Mons"))
    assert code == 2
    assert "clinic.timezone 'Mars/Olympus_Mons' is not a known time zone" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_setup_command_interactive_retries_the_trunk_and_the_profile(tmp_path, kamailio, staff_phone, monkeypatch,
                                                                     capsys):
    path = tmp_path / "appliance.toml"
    path.write_text('[sip]\nbind_address = "127.0.0.1"\n')
    uri = staff_phone("answer")
    answers = iter([
        kamailio.address, "agent", "",  # registrar, user, transport (udp kept)
        "y",  # the wrong password was refused: try again
        "", "", "",  # same registrar, user and transport, the right password
        uri, "y",  # staff phone, ring it
        "Riverside Dental", "Mars/Olympus_Mons", "12 Mill Street", "+1 555 010 2000", "Mon-Fri 8 to 6",
        "", "America/New_York", "", "", "",  # the time zone again, the rest kept
        "",  # no calendar server
        "y", "n",  # write; no self test
    ])
    passwords = iter(["wrong", AGENT_PASSWORD])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("appliance.cli.setup_cmd.getpass", lambda prompt="": next(passwords))
    assert main(setup_args(path)) == 0
    out = capsys.readouterr().out
    assert "PROBLEM: the trunk refused the username or password" in out
    assert f"Registering with {kamailio.address}... ok" in out and f"Calling {uri}... ok" in out
    assert "is not a known time zone" in out
    config = load_config(path)
    assert config.sip.password == AGENT_PASSWORD and config.clinic.timezone == "America/New_York"
    assert config.clinic.address == "12 Mill Street" and config.transfer.staff_uri == uri
    assert "password" not in tomllib.loads(path.read_text())["sip"]
