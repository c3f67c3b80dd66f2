"""`appliance keys`: the data key that encrypts the store, recordings, the spool and backups."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from appliance.config import load_config
from appliance.control.client import ControlError, fetch_status
from appliance.control.protocol import socket_path
from appliance.crm.encryption import encrypt_if_keyed, encryption_state, rotate_key
from appliance.crm.maintenance import backup_keyring
from appliance.errors import ApplianceError
from appliance.keys.keyring import create_keyring, key_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `appliance keys ...`."""
    parser = sub.add_parser("keys", help="encryption at rest: create, check, rotate or recover the data key")
    cmds = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    cmds.add_parser("init", help="create the data key, print the recovery key once, encrypt what is there"
                    ).set_defaults(run=run_init)
    cmds.add_parser("status", help="whether the store and files are encrypted").set_defaults(run=run_status)
    cmds.add_parser("rotate", help="move everything to a new data key (stop the service first)").set_defaults(
        run=run_rotate)
    rec = cmds.add_parser("recover", help="take back the data key from a backup's key note with the recovery key")
    rec.add_argument("backup", type=Path, help="an encrypted backup (its .key note beside it)")
    rec.add_argument("--recovery-key", help="'-' reads the printed recovery key from standard input; "
                     "without it, it is asked for")
    rec.set_defaults(run=run_recover)


def _data_dir(args: argparse.Namespace) -> Path:
    return load_config(args.config).paths.data


def run_init(args: argparse.Namespace) -> int:
    """Create the key file; print the recovery key (the only time it is shown); encrypt the data."""
    data = _data_dir(args)
    _, recovery = create_keyring(data)
    print(f"Data key created in {key_path(data)} (readable by this user and its group only).\n\n"
          f"RECOVERY KEY (shown once; print it or write it down and keep it away from this computer):\n\n"
          f"    {recovery}\n\n"
          f"With it, a backup of this box opens on a new one (`appliance crm restore FILE --recovery-key ...`);\n"
          f"without it, a backup is unreadable once this box is gone.")
    encrypt_if_keyed(data / "appliance.db")
    print(encryption_state(data).summary())
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Print how encryption stands; 1 when something is still plain."""
    state = encryption_state(_data_dir(args))
    print(f"encryption: {state.summary()}")
    for path in state.plain_files:
        print(f"  plain: {path}")
    return 0 if state.complete else 1


def run_rotate(args: argparse.Namespace) -> int:
    """Rotate the data key, refused while the service is running."""
    config = load_config(args.config)
    try:
        fetch_status(socket_path(config), timeout=2.0)
    except ControlError:
        pass
    else:
        raise ApplianceError("the service is running: stop it (sudo systemctl stop appliance) and close the "
                             "front-desk windows, then rotate")
    keyring, counts = rotate_key(config.paths.data)
    print(f"data key is now {keyring.current}: the store, {counts['backups']} backup(s), "
          f"{counts['recordings']} recording(s) and {counts['spool']} pending write(s) re-encrypted; "
          f"the old key is gone. The recovery key stays the same.")
    return 0


def recovery_key_reader(given: str | None) -> Callable[[], str]:
    """How a command gets the recovery key when it turns out to need it: `given`, standard input
    for '-', else a prompt that does not echo (never a command line others can read in `ps`)."""
    if given == "-":
        return lambda: sys.stdin.readline().strip()
    if given:
        return lambda: given
    return lambda: getpass.getpass("Recovery key (RK1-...): ").strip()


def run_recover(args: argparse.Namespace) -> int:
    """Put back the data key of a backup, opened with the recovery key."""
    keyring = backup_keyring(args.backup, _data_dir(args), recovery_key_reader(args.recovery_key))
    print(f"data key {keyring.current} is in place: the store and backups encrypted with it open again. "
          f"Run `appliance keys rotate` (service stopped) to move them to a fresh key.")
    return 0
