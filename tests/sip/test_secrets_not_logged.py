"""The config's secrets (trunk password, webhook secret) never reach a log line or the screen:
loading the config, `appliance config check`, a real registration with pjsip logging whole SIP
messages, an outbox delivery that fails, and a config error with the secrets beside it."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.cli import main
from appliance.config import load_config
from appliance.crm.changes import enqueue
from appliance.crm.db import open_store, transaction
from appliance.crm.outbox import OutboxWorker
from appliance.errors import ConfigError
from appliance.sip.agent import SipAgent
from appliance.sip.events import RegistrationEvent, RegistrationState
from tests.sip.lab import EventLog, Kamailio, free_port

pytestmark = pytest.mark.slow

PASSWORD = "Trunk-Pw-7f3Kq-never-logged"
WEBHOOK_SECRET = "Hook-Secret-9xZ2-never-logged"


@pytest.fixture(scope="module")
def registrar(tmp_path_factory):
    server = Kamailio(tmp_path_factory.mktemp("kamailio-secrets"), {"agent": PASSWORD})
    server.start()
    yield server
    server.stop()


def write_config(folder: Path, registrar: Kamailio) -> Path:
    """A config file for the registrar and a webhook nobody listens on; the secrets beside it."""
    path = folder / "appliance.toml"
    path.write_text(f'[sip]\nregister = true\nregistrar = "{registrar.address}"\nuser = "agent"\n'
                    f'bind_address = "127.0.0.1"\nport = {free_port()}\nrtp_port = {free_port()}\n'
                    f'expiry_s = 60\nallowed_sources = ["127.0.0.1"]\n'
                    f'[crm]\nwebhook_url = "http://127.0.0.1:{free_port()}/hook"\n'
                    f'[paths]\ndata = "{folder / "data"}"\n')
    (folder / "secrets.toml").write_text(f'[sip]\npassword = "{PASSWORD}"\n'
                                         f'[crm]\nwebhook_secret = "{WEBHOOK_SECRET}"\n')
    return path


def register_once(config, log_level: int) -> None:
    """Register with pjsip logging at `log_level` (4 and up: every SIP message), then stop."""
    events = EventLog()
    agent = SipAgent(config.sip, on_event=events.add)
    agent.thread.settings = replace(agent.thread.settings, log_level=log_level)
    agent.start()
    try:
        events.wait_for(lambda e: isinstance(e, RegistrationEvent) and e.state == RegistrationState.REGISTERED)
    finally:
        agent.stop()


def test_secrets_never_reach_the_log_or_the_screen(registrar, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    path = write_config(tmp_path, registrar)
    config = load_config(path)
    assert config.sip.password == PASSWORD and config.crm.webhook_secret == WEBHOOK_SECRET
    shown = [repr(config), str(config)]
    assert main(["--config", str(path), "config", "check"]) == 0

    register_once(config, log_level=6)

    db = open_store(tmp_path / "data" / "appliance.db")
    with transaction(db) as conn:
        enqueue(conn, "contact.created", {"id": 1})
    assert OutboxWorker(db, config.crm.webhook_url, config.crm.webhook_secret).run_once() == 0

    (tmp_path / "secrets.toml").write_text(f'[sip]\npasword = "{PASSWORD}"\n')  # a typo in the key
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    shown.append(str(refused.value))

    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    screen = capsys.readouterr()
    assert "REGISTER sip:" in logged and "Authorization: Digest" in logged, "pjsip logged whole SIP messages"
    assert "outbox event" in logged and "(set, not shown)" in screen.out and "sip.pasword" in shown[-1]
    everything = "\n".join([logged, screen.out, screen.err, *shown])
    for secret in (PASSWORD, WEBHOOK_SECRET):
        assert secret not in everything
    assert not re.search(r'response="?[0-9a-fA-F]{16}', logged), "digest answers are hidden too"
