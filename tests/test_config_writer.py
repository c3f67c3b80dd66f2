"""Saving settings: checked first, written atomically, the secrets kept in secrets.toml (0600) beside
the config file and merged back in when the config is read."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from appliance.config import load_config
from appliance.config.writer import preview_config, save_config
from appliance.crm.db import open_store
from appliance.crm.outbox import OutboxWorker
from appliance.errors import ConfigError

SECRET = "a-long-webhook-secret"


@pytest.fixture()
def path(tmp_path) -> Path:
    path = tmp_path / "appliance.toml"
    path.write_text('[sip]\nbind_address = "127.0.0.1"\n[llm]\nmax_tokens = 64\n')
    return path


def secrets_of(path: Path) -> Path:
    return path.parent / "secrets.toml"


def test_secrets_are_written_beside_the_config_file_and_merged_when_read(path):
    saved = save_config(path, {"sip": {"register": True, "registrar": "sip.example.net", "user": "4930123456",
                                       "password": "trunk-pass"},
                               "crm": {"webhook_url": "https://crm.example.net/hook", "webhook_secret": SECRET}})
    main = tomllib.loads(path.read_text())
    assert "password" not in main["sip"] and "webhook_secret" not in main["crm"]
    assert main["sip"]["registrar"] == "sip.example.net" and main["llm"] == {"max_tokens": 64}
    secrets = secrets_of(path)
    assert tomllib.loads(secrets.read_text()) == {"sip": {"password": "trunk-pass"}, "crm": {"webhook_secret": SECRET}}
    assert secrets.stat().st_mode & 0o777 == 0o600
    loaded = load_config(path)
    assert loaded == saved
    assert loaded.sip.password == "trunk-pass" and loaded.crm.webhook_secret == SECRET


def test_the_secrets_file_overrides_the_config_file(path):
    path.write_text('[sip]\npassword = "old"\nuser = "a"\n')
    secrets_of(path).write_text('[sip]\npassword = "new"\n')
    config = load_config(path)
    assert config.sip.password == "new" and config.sip.user == "a"


def test_saving_moves_secrets_out_of_an_older_config_file(path):
    path.write_text('[sip]\npassword = "old-style"\n[crm]\nwebhook_secret = "' + SECRET + '"\n')
    save_config(path, {"clinic": {"name": "Riverside Dental"}})
    assert tomllib.loads(path.read_text()) == {"clinic": {"name": "Riverside Dental"}}
    assert tomllib.loads(secrets_of(path).read_text()) == {"sip": {"password": "old-style"},
                                                           "crm": {"webhook_secret": SECRET}}
    assert load_config(path).sip.password == "old-style"


def test_settings_without_secrets_leave_the_secrets_file_alone(path):
    secrets_of(path).write_text('[sip]\npassword = "kept"\n')
    before = secrets_of(path).stat().st_mtime_ns
    save_config(path, {"clinic": {"name": "Riverside Dental"}})
    assert secrets_of(path).stat().st_mtime_ns == before
    assert load_config(path).sip.password == "kept"


def test_a_bad_value_writes_neither_file(path):
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="clinic.timezone 'Mars/Olympus' is not a known time zone"):
        save_config(path, {"sip": {"password": "new"}, "clinic": {"timezone": "Mars/Olympus"}})
    assert path.read_bytes() == before and not secrets_of(path).exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["appliance.toml"]


def test_preview_checks_without_writing(tmp_path):
    path = tmp_path / "new" / "appliance.toml"
    config = preview_config(path, {"sip": {"password": "x"}, "clinic": {"name": "Riverside Dental"}})
    assert config.sip.password == "x" and config.clinic.name == "Riverside Dental"
    assert not path.parent.exists()


def test_a_secrets_file_this_user_may_not_read_is_skipped(path, withheld_secrets):
    path.write_text('[crm]\nwebhook_url = "https://crm.example.net/hook"\n')
    secrets_of(path).write_text(f'[sip]\npassword = "hidden"\n[crm]\nwebhook_secret = "{SECRET}"\n')
    config = load_config(path)  # the front desk still reads its settings
    assert config.sip.password == "" and config.crm.webhook_secret == ""
    with pytest.raises(ConfigError, match="crm.webhook_secret is needed when crm.webhook_url is set"):
        OutboxWorker(open_store(path.parent / "appliance.db"), config.crm.webhook_url, config.crm.webhook_secret)


def test_a_short_webhook_secret_is_refused(path):
    secrets_of(path).write_text('[crm]\nwebhook_secret = "short"\n')
    path.write_text('[crm]\nwebhook_url = "https://crm.example.net/hook"\n')
    with pytest.raises(ConfigError, match="crm.webhook_secret must be at least 16 characters"):
        load_config(path)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_files_keep_their_owners_and_a_new_secrets_file_gets_the_config_files(path):
    os.chown(path, 0, 65534)  # as installed: root and the service's group
    save_config(path, {"sip": {"password": "trunk-pass"}})
    secrets = secrets_of(path)
    assert (secrets.stat().st_uid, secrets.stat().st_gid) == (0, 65534) and secrets.stat().st_mode & 0o777 == 0o600
    os.chown(secrets, 65534, 65534)  # as installed: the service's user only
    save_config(path, {"sip": {"password": "new-pass"}})
    assert (secrets.stat().st_uid, secrets.stat().st_gid) == (65534, 65534) and secrets.stat().st_mode & 0o777 == 0o600
    assert (path.stat().st_uid, path.stat().st_gid) == (0, 65534)
