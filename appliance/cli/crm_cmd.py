"""`appliance crm`: exports (iCalendar, CSV, FHIR), contact import, backup and restore, retention, outbox delivery."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from appliance.cli.keys_cmd import recovery_key_reader
from appliance.config import load_config
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store, schema_version
from appliance.crm.encryption import encrypt_if_keyed
from appliance.crm.exports import appointments_csv, calls_csv, ics_feed, import_contacts_csv
from appliance.crm.fhir import appointments_bundle, slots_bundle
from appliance.crm.maintenance import backup, purge, restore
from appliance.crm.outbox import OutboxWorker
from appliance.crm.timeutil import now_utc
from appliance.private_files import write_private


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `crm` subcommands."""
    parser = sub.add_parser("crm", help="the local store: exports, import, backup, retention, outbox")
    parser.add_argument("--db", type=Path, help="store file (default: data folder/appliance.db)")
    cmds = parser.add_subparsers(dest="action", required=True)
    ics = cmds.add_parser("export-ics", help="iCalendar feed of appointments")
    ics.add_argument("--provider", type=int, help="one provider's feed (default: all)")
    ics.add_argument("-o", "--output", type=Path)
    ics.set_defaults(run=lambda a: _write(a, ics_feed(_db(a), load_config(a.config).clinic.name, a.provider)))
    csv_ = cmds.add_parser("export-csv", help="CSV of appointments or calls")
    csv_.add_argument("what", choices=["appointments", "calls"])
    csv_.add_argument("-o", "--output", type=Path)
    csv_.set_defaults(run=lambda a: _write(a, (appointments_csv if a.what == "appointments" else calls_csv)(_db(a))))
    slots = cmds.add_parser("export-fhir-slots", help="free time as a FHIR R4 Bundle of Slot resources")
    slots.add_argument("--service", type=int, required=True, help="service id")
    slots.set_defaults(run=run_fhir_slots)
    appts = cmds.add_parser("export-fhir-appointments",
                            help="upcoming appointments as a FHIR R4 Bundle of Appointment resources")
    appts.set_defaults(run=run_fhir_appointments)
    for fhir in (slots, appts):
        fhir.add_argument("--days", type=int, default=14, help="from now on, this many days (default 14)")
        fhir.add_argument("--provider", type=int, help="one provider (default: all)")
        fhir.add_argument("-o", "--output", "--out", dest="output", type=Path)
    imp = cmds.add_parser("import-contacts", help="contacts from CSV (name, phone, date_of_birth, email, notes): "
                          "rejected rows are listed and left out, the others saved in one go (or none of them)")
    imp.add_argument("file", type=Path)
    imp.set_defaults(run=run_import)
    bak = cmds.add_parser("backup", help="an online copy of the store")
    bak.add_argument("file", type=Path, nargs="?")
    bak.set_defaults(run=run_backup)
    res = cmds.add_parser("restore", help="replace the store with a backup (stop the service first)")
    res.add_argument("file", type=Path)
    res.add_argument("--recovery-key", help="'-' reads the clinic's recovery key from standard input (an "
                     "encrypted backup from another box or from before a key rotation); without it, it is asked "
                     "for when needed")
    res.set_defaults(run=run_restore)
    cmds.add_parser("purge", help="apply the retention periods to transcripts and recordings").set_defaults(
        run=run_purge)
    cmds.add_parser("migrate", help="bring the store's schema up to date (upgrades run this)").set_defaults(
        run=run_migrate)
    out = cmds.add_parser("outbox", help="state of the outside-CRM outbox, or deliver now")
    out.add_argument("--deliver", action="store_true")
    out.set_defaults(run=run_outbox)


def _store_path(args: argparse.Namespace) -> Path:
    return args.db or load_config(args.config).paths.data / "appliance.db"


def _db(args: argparse.Namespace):  # noqa: ANN202
    return open_store(_store_path(args))


def run_migrate(args: argparse.Namespace) -> int:
    """Open the store (which applies any new migration), print its schema version, then encrypt
    it if it is plain and the box has a key (after the schema: a failed migration leaves the
    store as the previous release can read it)."""
    path = _store_path(args)
    db = open_store(path)
    print(f"{path}: schema version {schema_version(db)}")
    db.conn.close()
    encrypt_if_keyed(path)
    return 0


def _write(args: argparse.Namespace, text: str) -> int:
    if args.output:
        write_private(args.output, text)  # patient data: not for other users of the machine
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _days_ahead(args: argparse.Namespace) -> tuple[ZoneInfo, datetime, datetime]:
    """The clinic's zone, now, and `--days` days from now."""
    tz = ZoneInfo(load_config(args.config).clinic.timezone)
    start = now_utc().astimezone(tz)
    return tz, start, start + timedelta(days=args.days)


def run_fhir_slots(args: argparse.Namespace) -> int:
    """Free slots of a service for the next days as a FHIR Bundle of Slot."""
    tz, start, end = _days_ahead(args)
    bundle = slots_bundle(_db(args), tz, args.service, start, end, args.provider)
    return _write(args, bundle.model_dump_json(indent=2) + "\n")


def run_fhir_appointments(args: argparse.Namespace) -> int:
    """Booked appointments of the next days as a FHIR Bundle of Appointment."""
    tz, start, end = _days_ahead(args)
    bundle = appointments_bundle(_db(args), tz, start, end, args.provider)
    return _write(args, bundle.model_dump_json(indent=2) + "\n")


def run_import(args: argparse.Namespace) -> int:
    """Import contacts: print how many were imported and rejected, and each rejected row (with its
    line); exit 1 if any were rejected. The good rows are saved in one transaction, so an
    interrupted import (Ctrl+C) saves none of them."""
    crm = load_config(args.config).crm
    report = import_contacts_csv(Contacts(_db(args), crm.country_code, crm.trunk_prefix),
                                 args.file.read_text(encoding="utf-8-sig"))
    print(f"imported {report.imported} contacts, rejected {len(report.rejected)}")
    for line, reason in report.rejected:
        print(f"  line {line}: {reason}")
    return 1 if report.rejected else 0


def run_backup(args: argparse.Namespace) -> int:
    """Write a backup next to the store unless a file is named."""
    target = args.file or _store_path(args).parent / "backups" / f"appliance-{now_utc():%Y%m%d-%H%M%S}.db"
    print(f"backup written to {backup(_db(args), target)}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Restore a backup over the store."""
    kept = restore(args.file, _store_path(args), recovery_key_reader(args.recovery_key))
    print(f"restored {args.file}; the previous store is kept as {kept}")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    """Apply the configured retention periods."""
    crm = load_config(args.config).crm
    result = purge(_db(args), crm.transcript_retention_days, crm.recording_retention_days)
    print(f"blanked {result['turns_blanked']} transcript turns, removed {result['recordings_removed']} recordings")
    return 0


def run_outbox(args: argparse.Namespace) -> int:
    """Print the outbox state; with --deliver, try the due events now."""
    config = load_config(args.config)
    crm = config.crm
    worker = OutboxWorker(_db(args), crm.webhook_url, crm.webhook_secret, webhook_format=crm.webhook_format,
                          tz=ZoneInfo(config.clinic.timezone))
    if args.deliver:
        if not crm.webhook_url:
            print("no crm.webhook_url configured", file=sys.stderr)
            return 2
        print(f"delivered {worker.run_once(batch=1000)} events")
    s = worker.status()
    print(f"pending {s.pending}, failing {s.failing}, delivered {s.delivered}"
          + (f"; last error: {s.last_error}" if s.last_error else ""))
    return 0
