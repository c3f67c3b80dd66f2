"""`appliance status`: ask the running service how it is (registration, calls, engines)."""

from __future__ import annotations

import argparse
import json

from appliance.config import load_config
from appliance.control.client import fetch_status
from appliance.control.protocol import socket_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `status`."""
    parser = sub.add_parser("status", help="show the running service's registration, calls and engines")
    parser.add_argument("--json", action="store_true", help="print the raw status as JSON")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the service")
    parser.set_defaults(run=run_status)


def run_status(args: argparse.Namespace) -> int:
    """Print the status; a service that is not reachable is an error (exit 2)."""
    status = fetch_status(socket_path(load_config(args.config)), args.timeout)
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    reg = status["registration"]
    print(f"clinic:        {status['clinic']}")
    print(f"registration:  {reg['state']}" + (f" ({reg.get('code')} {reg.get('reason', '')})" if reg.get("code") else ""))
    print("engines:       " + ", ".join(f"{role} {name or '(loading)'}" for role, name in status["engines"].items()))
    print(f"transfer:      {status['transfer']['mode']}, staff phone {'set' if status['transfer']['staff'] else 'NOT set'}")
    print(f"calendar:      {status['calendar']['words'].removeprefix('calendar sync: ')}")
    for problem in status.get("problems", []):
        print(f"PROBLEM:       {problem}")
    print(f"calls now:     {len(status['calls'])}")
    for call in status["calls"]:
        print(f"  {call['call_id']}  {call['caller_number'] or 'withheld'}  {call['contact']}  {call['state']}")
    return 0
