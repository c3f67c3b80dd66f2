"""`appliance audit export`: who did and saw what in the store over a range of days."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from appliance.config import load_config
from appliance.crm.audit_trail import FORMATS, entries, export_text
from appliance.crm.db import open_store
from appliance.private_files import write_private


def day(text: str) -> date:
    """A day as typed on the command line (YYYY-MM-DD), or a plain-words refusal."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, "
                                         "for example 2026-03-01") from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add `audit export`."""
    parser = sub.add_parser("audit", help="the audit log: who changed and who saw which record")
    parser.add_argument("--db", type=Path, help="store file (default: data folder/appliance.db)")
    cmds = parser.add_subparsers(dest="action", required=True)
    export = cmds.add_parser("export", help="the audit log of a range of days (clinic time, both days included)")
    export.add_argument("--from", dest="first", type=day, required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="last", type=day, required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    export.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or jsonl (one JSON per line)")
    export.add_argument("-o", "--out", dest="output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Write the audit log of the days asked for; say how many entries on standard error."""
    config = load_config(args.config)
    db = open_store(args.db or config.paths.data / "appliance.db")
    try:
        found = entries(db, args.first, args.last, ZoneInfo(config.clinic.timezone))
    finally:
        db.conn.close()
    text = export_text(found, args.format)
    if args.output:
        write_private(args.output, text)  # names records, and changes hold patient data: not for other users
    else:
        sys.stdout.write(text)
    print(f"{len(found)} audit entries from {args.first} to {args.last}"
          + (f" written to {args.output}" if args.output else ""), file=sys.stderr)
    return 0
