"""`appliance doctor`: check the box's health, for the clinic's IT person and for monitoring."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from appliance.config import config_file_path, load_config
from appliance.health import LEVELS, Check, run_checks, worst

EXIT_CODES = {"ok": 0, "warn": 1, "fail": 2}


def register(sub: argparse._SubParsersAction) -> None:
    """Add `doctor`."""
    parser = sub.add_parser(
        "doctor", help="check service, trunk, models, store, calendar, disk, clock, audio and config file",
        description="Check the appliance's health: service, trunk registration, models, store, calendar sync "
                    "(and a test of the calendar server), disk space, time zone, audio devices and config file. "
                    "Exit code: 0 all ok, 1 warnings only, 2 any failure.")
    parser.add_argument("--json", action="store_true", help="print the checks and the overall status as JSON")
    parser.add_argument("--verify", action="store_true", help="hash the models again (slow) instead of "
                        "trusting their recorded checksums")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for the service (default 2)")
    parser.set_defaults(run=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Run every check and print them; exit 0 all ok, 1 warnings only, 2 any failure."""
    checks = run_checks(load_config(args.config), config_file_path(args.config), args.timeout, args.verify)
    status = worst(checks)
    if args.json:
        print(json.dumps({"status": status, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        print_checks(checks)
    return EXIT_CODES[status]


def print_checks(checks: list[Check]) -> None:
    """One aligned line per check, then how many are ok, warn and fail."""
    width = max(len(c.name) for c in checks)
    for check in checks:
        print(f"{check.status.upper():4}  {check.name:{width}}  {check.detail}")
    counts = ", ".join(f"{sum(c.status == level for c in checks)} {level}" for level in LEVELS)
    print(f"{len(checks)} checks: {counts}")
