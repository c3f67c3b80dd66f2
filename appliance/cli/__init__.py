"""The `appliance` command. Each subcommand group lives in its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from appliance import __version__
from appliance.cli import (
    audit_cmd,
    bench_cmd,
    calendar_cmd,
    config_cmd,
    crm_cmd,
    demo_cmd,
    doctor_cmd,
    edge_cmd,
    keys_cmd,
    models_cmd,
    reminders_cmd,
    setup_cmd,
    status_cmd,
    talk_cmd,
)
from appliance.errors import ApplianceError

GROUPS = (setup_cmd, demo_cmd, talk_cmd, status_cmd, doctor_cmd, models_cmd, crm_cmd, audit_cmd, keys_cmd, calendar_cmd,
          reminders_cmd, edge_cmd, bench_cmd, config_cmd)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="appliance", description=__doc__)
    parser.add_argument("--version", action="version", version=f"appliance {__version__}")
    parser.add_argument("--config", type=Path, help="config file (default: $APPLIANCE_CONFIG, "
                        "then /etc/appliance/appliance.toml, then built-in defaults)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run, turn appliance errors into a message and exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("piper").setLevel(logging.INFO)  # its debug lines quote every sentence spoken
    try:
        return int(args.run(args) or 0)
    except ApplianceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
