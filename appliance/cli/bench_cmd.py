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
    lat = cmds.add_parser("latency", help="voice-to-voice latency of scripted calls over SIP on loopback")
    lat.add_argument("--calls", type=int, default=5, help="calls per concurrency level (default 5)")
    lat.add_argument("--concurrency", default="1,2,4", help="calls at once, comma separated (default 1,2,4)")
    lat.set_defaults(run=run_latency)
    crm = cmds.add_parser("crm", help="caller lookup speed on a large synthetic store")
    crm.add_argument("--contacts", type=int, default=100_000)
    crm.add_argument("--appointments", type=int, default=1_000_000)
    crm.add_argument("--lookups", type=int, default=2000)
    crm.set_defaults(run=run_crm)


def run_latency(args: argparse.Namespace) -> int:
    """Run the latency benchmark and print its report."""
    import asyncio

    from appliance.bench import latency

    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    if args.calls < 1 or not levels or min(levels) < 1:
        raise SystemExit("--calls and every --concurrency level must be at least 1")
    results = asyncio.run(latency.measure(load_config(args.config), args.calls, levels))
    print(latency.report(latency.summarise(results)))
    return 0


def run_crm(args: argparse.Namespace) -> int:
    """Run the store lookup benchmark."""
    from appliance.bench import crm

    print(crm.run(args.contacts, args.appointments, args.lookups))
    return 0


def run_engines(args: argparse.Namespace) -> int:
    """Run the engine benchmark and print its report."""
    config = load_config(args.config)
    roles = [Role(r) for r in args.role] if args.role else [Role.VAD, Role.STT, Role.LLM, Role.TTS]
    rows = engines.run(config, open_store(config), roles, args.all_models)
    print(engines.report(rows))
    return 0
