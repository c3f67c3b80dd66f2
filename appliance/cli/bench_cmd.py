"""`appliance bench`: benchmarks that print a table and one JSON line."""

from __future__ import annotations

import argparse

from appliance.bench import engines
from appliance.config import load_config
from appliance.models.engines import open_store
from appliance.models.manifest import Role


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `bench` subcommands."""
    parser = sub.add_parser("bench", help="measure speed")
    cmds = parser.add_subparsers(dest="action", required=True)
    eng = cmds.add_parser("engines", help="load time and speed of each engine")
    eng.add_argument("--role", action="append", choices=[r.value for r in Role],
                     help="only these roles (repeatable; default: all)")
    eng.add_argument("--all-models", action="store_true",
                     help="every installed English model, not only those in use")
    eng.set_defaults(run=run_engines)


def run_engines(args: argparse.Namespace) -> int:
    """Run the engine benchmark and print its report."""
    config = load_config(args.config)
    roles = [Role(r) for r in args.role] if args.role else [Role.VAD, Role.STT, Role.LLM, Role.TTS]
    rows = engines.run(config, open_store(config), roles, args.all_models)
    print(engines.report(rows))
    return 0
