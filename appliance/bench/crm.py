"""`appliance bench crm`: caller lookup speed on a large store (default 100,000 contacts and
1,000,000 appointments), by caller ID and by name and date of birth, and the time of one audited
write (a message for the front desk); p50/p99 in ms, for a plain and for an encrypted store."""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from appliance.crm.contacts import Contacts, name_key
from appliance.crm.db import open_store, transaction
from appliance.crm.messages import Messages
from appliance.crm.timeutil import utc_text
from appliance.keys.keyring import create_keyring

FIRST = ["Maria", "John", "Aisha", "Wei", "Olga", "Pedro", "Fatima", "Liam", "Yuki", "Noah", "Emma", "Ravi"]
LAST = ["Lopez", "Smith", "Khan", "Chen", "Ivanova", "Silva", "Okafor", "Murphy", "Tanaka", "Brown", "Patel"]
STORES = ("plain", "encrypted")


def populate(path: Path, contacts: int, appointments: int, providers: int = 10, seed: int = 7) -> None:
    """Fill a new store with synthetic contacts and non-overlapping appointments."""
    rng = random.Random(seed)
    db = open_store(path)
    now = utc_text(datetime.now(UTC))
    with transaction(db) as conn:
        conn.executemany("INSERT INTO providers (id, name) VALUES (?, ?)",
                         [(p, f"Provider {p}") for p in range(1, providers + 1)])
        conn.execute("INSERT INTO services (id, name, duration_min) VALUES (1, 'check-up', 30)")
        conn.executemany("INSERT INTO provider_services VALUES (?, 1)", [(p,) for p in range(1, providers + 1)])
        rows, phones = [], []
        for cid in range(1, contacts + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {cid}"
            dob = f"{rng.randint(1930, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            rows.append((cid, name, name_key(name), dob, now, now))
            phones.append((cid, f"+1555{cid:07d}"))
        conn.executemany("INSERT INTO contacts (id, name, name_key, date_of_birth, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO contact_phones (contact_id, phone) VALUES (?, ?)", phones)
    start = datetime(2020, 1, 6, 9, tzinfo=UTC)
    per_provider = appointments // providers
    for provider in range(1, providers + 1):
        with transaction(db) as conn:
            conn.executemany(
                "INSERT INTO appointments (contact_id, provider_id, service_id, starts_at, ends_at, source, "
                "created_at, updated_at) VALUES (?, ?, 1, ?, ?, 'import', ?, ?)",
                ((rng.randint(1, contacts), provider, utc_text(start + timedelta(minutes=30 * i)),
                  utc_text(start + timedelta(minutes=30 * i + 30)), now, now) for i in range(per_provider)))
    db.conn.close()


def measure(path: Path, lookups: int = 2000, contacts: int = 100_000, seed: int = 11) -> dict:
    """Time `lookups` caller-ID and name+DOB lookups (with the contact's next appointments)."""
    rng = random.Random(seed)
    db = open_store(path)
    book = Contacts(db, country_code="1")
    by_phone, by_name = [], []
    for _ in range(lookups):
        cid = rng.randint(1, contacts)
        started = time.perf_counter()
        found = book.by_phone(f"(555) {cid // 10000:03d}-{cid % 10000:04d}")
        db.execute("SELECT id, starts_at FROM appointments WHERE contact_id = ? AND status = 'booked' "
                   "AND starts_at >= ? ORDER BY starts_at LIMIT 3", [cid, "2024-01-01"]).fetchall()
        by_phone.append((time.perf_counter() - started) * 1000)
        assert found and found[0].id == cid
        contact = found[0]
        started = time.perf_counter()
        assert book.by_name_dob(contact.name, contact.date_of_birth)
        by_name.append((time.perf_counter() - started) * 1000)
    writes = []
    for i in range(min(lookups, 500)):
        started = time.perf_counter()
        Messages(db).add(f"Please call back ({i})", f"+1555{i:07d}", "Bench Caller", None, True)
        writes.append((time.perf_counter() - started) * 1000)
    db.conn.close()
    return {"caller_id_ms": _stats(by_phone), "name_dob_ms": _stats(by_name), "write_ms": _stats(writes)}


def _stats(values: list[float]) -> dict[str, float]:
    arr = np.array(values)
    return {"p50": round(float(np.percentile(arr, 50)), 3), "p99": round(float(np.percentile(arr, 99)), 3),
            "max": round(float(arr.max()), 3)}


def run(contacts: int, appointments: int, lookups: int, stores: tuple[str, ...] = STORES) -> str:
    """Build each kind of store, measure it, and report as a table plus one JSON line."""
    lines, report = [], {}
    for kind in stores:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            if kind == "encrypted":
                create_keyring(Path(tmp))
            started = time.monotonic()
            populate(path, contacts, appointments)
            build_s = time.monotonic() - started
            report[kind] = {**measure(path, lookups, contacts), "build_s": round(build_s, 1)}
        lines += [f"{kind} store: {contacts:,} contacts, {appointments:,} appointments (built in {build_s:.0f} s)",
                  f"  {'':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
        for name, label in (("caller_id_ms", "caller ID + upcoming"), ("name_dob_ms", "name + date of birth"),
                            ("write_ms", "message write")):
            s = report[kind][name]
            lines.append(f"  {label:<22}{s['p50']:>9.3f}{s['p99']:>9.3f}{s['max']:>9.3f}")
    lines.append(json.dumps({"bench": "crm", "contacts": contacts, "appointments": appointments,
                             "lookups": lookups, **report}, sort_keys=True))
    return "\n".join(lines)
