"""Schema migrations, applied in order and never destructive: only add, never drop or rewrite."""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: calls and their turns, with each turn's latency breakdown
    [
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            direction TEXT NOT NULL DEFAULT 'inbound',
            caller_number TEXT NOT NULL DEFAULT '',
            caller_name TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'in_progress',
            end_reason TEXT NOT NULL DEFAULT '',
            recording_path TEXT
        )""",
        "CREATE INDEX calls_started ON calls(started_at)",
        "CREATE INDEX calls_caller ON calls(caller_number)",
        """CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            seq INTEGER NOT NULL,
            speaker TEXT NOT NULL CHECK (speaker IN ('caller', 'agent')),
            text TEXT NOT NULL,
            started_at TEXT NOT NULL,
            interrupted INTEGER NOT NULL DEFAULT 0,
            confidence REAL,
            latency_json TEXT,
            UNIQUE (call_id, seq)
        )""",
    ],
]

MIGRATIONS.append([
    # 2: contacts, the schedule, appointments (no double booking, even by direct SQL; the
    #    overlap check looks back 480 minutes, the longest service, so it stays an index range),
    #    messages, handovers, the audit log and the outbox for outside systems.
    """CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        date_of_birth TEXT,
        email TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX contacts_name_dob ON contacts(name_key, date_of_birth)",
    """CREATE TABLE contact_phones (
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        phone TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (phone, contact_id)
    )""",
    "CREATE INDEX contact_phones_contact ON contact_phones(contact_id)",
    """CREATE TABLE providers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL DEFAULT 'dentist',
        active INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE services (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 480),
        active INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE provider_services (
        provider_id INTEGER NOT NULL REFERENCES providers(id),
        service_id INTEGER NOT NULL REFERENCES services(id),
        PRIMARY KEY (provider_id, service_id)
    )""",
    """CREATE TABLE opening_hours (
        id INTEGER PRIMARY KEY,
        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
        opens TEXT NOT NULL,
        closes TEXT NOT NULL CHECK (closes > opens),
        provider_id INTEGER REFERENCES providers(id)
    )""",
    """CREATE TABLE closures (
        id INTEGER PRIMARY KEY,
        starts_on TEXT NOT NULL,
        ends_on TEXT NOT NULL CHECK (ends_on >= starts_on),
        reason TEXT NOT NULL DEFAULT '',
        provider_id INTEGER REFERENCES providers(id)
    )""",
    """CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        provider_id INTEGER NOT NULL REFERENCES providers(id),
        service_id INTEGER NOT NULL REFERENCES services(id),
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL CHECK (ends_at > starts_at),
        status TEXT NOT NULL DEFAULT 'booked'
            CHECK (status IN ('booked', 'cancelled', 'completed', 'no_show')),
        source TEXT NOT NULL CHECK (source IN ('phone_agent', 'front_desk', 'import')),
        idempotency_key TEXT UNIQUE,
        call_id INTEGER REFERENCES calls(id),
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX appointments_provider_time ON appointments(provider_id, starts_at)",
    "CREATE INDEX appointments_contact ON appointments(contact_id, starts_at)",
    """CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON appointments
       WHEN NEW.status = 'booked' AND EXISTS (
           SELECT 1 FROM appointments a WHERE a.provider_id = NEW.provider_id AND a.status = 'booked'
           AND a.starts_at > strftime('%Y-%m-%dT%H:%M:%SZ', NEW.starts_at, '-480 minutes')
           AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at)
       BEGIN SELECT RAISE(ABORT, 'slot_taken'); END""",
    """CREATE TRIGGER appointments_no_overlap_update BEFORE UPDATE OF starts_at, ends_at, provider_id, status
       ON appointments WHEN NEW.status = 'booked' AND EXISTS (
           SELECT 1 FROM appointments a WHERE a.id != NEW.id AND a.provider_id = NEW.provider_id
           AND a.status = 'booked' AND a.starts_at > strftime('%Y-%m-%dT%H:%M:%SZ', NEW.starts_at, '-480 minutes')
           AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at)
       BEGIN SELECT RAISE(ABORT, 'slot_taken'); END""",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        call_id INTEGER REFERENCES calls(id),
        contact_id INTEGER REFERENCES contacts(id),
        caller_number TEXT NOT NULL DEFAULT '',
        caller_name TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'callback')),
        text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        created_at TEXT NOT NULL,
        done_at TEXT
    )""",
    "CREATE INDEX messages_status ON messages(status, created_at)",
    """CREATE TABLE handovers (
        id INTEGER PRIMARY KEY,
        call_id INTEGER REFERENCES calls(id),
        reason TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        target TEXT NOT NULL DEFAULT '',
        mode TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL DEFAULT 'started',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        detail_json TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX audit_entity ON audit_log(entity, entity_id)",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        event_type TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        delivered_at TEXT,
        last_error TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX outbox_due ON outbox(delivered_at, next_attempt_at)",
])

MIGRATIONS.append([
    # 3: two-way sync with the clinic's CalDAV calendar. Every change to an appointment queues
    #    it for the calendar in the same transaction (triggers, whoever writes); staff events
    #    read from the calendar are busy blocks that no booking may overlap; the store has a
    #    random identity so its event UIDs never collide with another box's (or an older store's).
    """CREATE TABLE store_identity (
        id TEXT NOT NULL
    )""",
    "INSERT INTO store_identity (id) VALUES (lower(hex(randomblob(6))))",
    """CREATE TABLE calendar_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: entry numbers only grow
        appointment_id INTEGER NOT NULL,  -- no foreign key: a deleted appointment's event goes too
        queued_at TEXT NOT NULL
    )""",
    """CREATE TRIGGER appointments_to_calendar_insert AFTER INSERT ON appointments
       BEGIN INSERT INTO calendar_queue (appointment_id, queued_at)
             VALUES (NEW.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); END""",
    """CREATE TRIGGER appointments_to_calendar_update
       AFTER UPDATE OF contact_id, provider_id, service_id, starts_at, ends_at, status ON appointments
       BEGIN INSERT INTO calendar_queue (appointment_id, queued_at)
             VALUES (NEW.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); END""",
    """CREATE TRIGGER appointments_to_calendar_delete AFTER DELETE ON appointments
       BEGIN INSERT INTO calendar_queue (appointment_id, queued_at)
             VALUES (OLD.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); END""",
    """CREATE TABLE calendar_events (
        href TEXT PRIMARY KEY,
        calendar TEXT NOT NULL,
        uid TEXT NOT NULL,
        etag TEXT NOT NULL DEFAULT '',
        appointment_id INTEGER UNIQUE,  -- the box's own event; no foreign key, as in the queue
        changed_at TEXT NOT NULL  -- when it last changed, by the server's stamp or when it was seen
    )""",
    "CREATE INDEX calendar_events_calendar ON calendar_events(calendar)",
    """CREATE TABLE calendar_blocks (
        id INTEGER PRIMARY KEY,
        href TEXT NOT NULL REFERENCES calendar_events(href) ON DELETE CASCADE,
        provider_id INTEGER REFERENCES providers(id),
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL CHECK (ends_at > starts_at),
        summary TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX calendar_blocks_time ON calendar_blocks(provider_id, starts_at)",
    "CREATE INDEX calendar_blocks_href ON calendar_blocks(href)",
    """CREATE TABLE calendar_sync (
        calendar TEXT PRIMARY KEY,
        sync_token TEXT NOT NULL DEFAULT '',
        last_sync_at TEXT,
        full_read_at TEXT,
        last_error TEXT NOT NULL DEFAULT '',
        failing_since TEXT
    )""",
    """CREATE TRIGGER appointments_not_in_block_insert BEFORE INSERT ON appointments
       WHEN NEW.status = 'booked' AND EXISTS (
           SELECT 1 FROM calendar_blocks b WHERE (b.provider_id = NEW.provider_id OR b.provider_id IS NULL)
           AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at)
       BEGIN SELECT RAISE(ABORT, 'slot_taken'); END""",
    """CREATE TRIGGER appointments_not_in_block_update BEFORE UPDATE OF starts_at, ends_at, provider_id, status
       ON appointments WHEN NEW.status = 'booked' AND (NEW.starts_at, NEW.ends_at, NEW.provider_id, NEW.status)
           IS NOT (OLD.starts_at, OLD.ends_at, OLD.provider_id, OLD.status) AND EXISTS (
           SELECT 1 FROM calendar_blocks b WHERE (b.provider_id = NEW.provider_id OR b.provider_id IS NULL)
           AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at)
       BEGIN SELECT RAISE(ABORT, 'slot_taken'); END""",
])

MIGRATIONS.append([
    # 4: reminder calls and calls back. Each reminder is one row per appointment time and offset,
    #    claimed (state 'calling', attempt counted) in its own transaction before the number is
    #    dialled, so a restart never dials it twice; the latest result is kept on the appointment.
    #    A patient may opt out of reminder calls. A message records the front desk's call back.
    "ALTER TABLE contacts ADD COLUMN reminder_calls INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE appointments ADD COLUMN reminder_result TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        appointment_id INTEGER NOT NULL REFERENCES appointments(id),
        starts_at TEXT NOT NULL,  -- the appointment time it reminds of: a moved one gets new reminders
        offset_min INTEGER NOT NULL,
        due_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'calling', 'done')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT '',
        call_id INTEGER REFERENCES calls(id),
        updated_at TEXT NOT NULL,
        UNIQUE (appointment_id, starts_at, offset_min)
    )""",
    "CREATE INDEX reminders_due ON reminders(state, next_attempt_at)",
    "ALTER TABLE messages ADD COLUMN callback_result TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE messages ADD COLUMN called_back_at TEXT",
])
