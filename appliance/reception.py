"""What every call shares, whatever carries it: the engines, the store, and a receptionist
(dialogue) for each call. The SIP service and the headset's `appliance talk` both build
their calls here, so a test call behaves as a phone call does."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.config import Config
from appliance.crm.calls import CallLog
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.scratch import MirroredCallLog
from appliance.crm.spool import Spool
from appliance.dialogue import name_spelling
from appliance.dialogue.policy import Dialogue
from appliance.dialogue.reading import SYSTEM_PROMPT
from appliance.dialogue.reminder import ReminderCall, ReminderDialogue
from appliance.dialogue.records import ClinicRecords
from appliance.voice.events import Event
from appliance.voice.hub import EngineHub
from appliance.voice.phrases import fixed_sentences
from appliance.voice.answering import AnsweringDetector, AnsweringOptions
from appliance.voice.recorder import CallRecorder
from appliance.voice.session import CallSession
from appliance.voice.transport import CallTransport

log = logging.getLogger(__name__)


class Reception:
    """Engines, store and receptionist for calls; `await start()` before the first call.

    `database` is the store the call log goes to; `records` the store the receptionist reads
    and writes: the same by default, or a copy for a test call that must keep nothing (each
    call's row then goes into both, so what the agent writes there refers to a real call, and
    messages refused or left after a failure wait beside the copy, never reaching the store)."""

    def __init__(self, config: Config, database: Path | None = None, records: Path | None = None) -> None:
        self.config = config
        self.database = database or config.paths.data / "appliance.db"
        self.records = records or self.database
        self.spool = Spool.beside(self.records)
        self.store_worker = ThreadPoolExecutor(1, thread_name_prefix="store")  # call-log writes
        self.call_log: CallLog | None = None
        self.messages: sqlite_utils.Database | None = None  # where a call's callback request goes
        self.hub: EngineHub | None = None
        self.speaking_ahead: asyncio.Task | None = None

    async def start(self) -> None:
        """Open the call log, load and warm the engines."""
        db = open_store(self.database)
        self.messages = db if self.records == self.database else open_store(self.records)
        self.call_log = CallLog(db) if self.messages is db else MirroredCallLog(db, self.messages)
        self.hub = await asyncio.to_thread(EngineHub.load, self.config)
        warm_s = await asyncio.to_thread(self.hub.warm, SYSTEM_PROMPT)
        await asyncio.to_thread(name_spelling.load_lists)
        log.info("engines loaded in %.1f s, warmed in %.1f s", self.hub.load_s, warm_s)
        self.speaking_ahead = asyncio.create_task(self._speak_ahead())

    async def _speak_ahead(self) -> None:
        """Synthesize the dialogue's fixed sentences in the background (calls are answered meanwhile)."""
        started = time.monotonic()
        try:
            await self.hub.speak_ahead(fixed_sentences(self.config.clinic.name), self.config.voice.engine_timeout_s)
        except Exception:  # noqa: BLE001 - they are synthesized when first said instead
            log.exception("the fixed sentences could not be synthesized ahead")
            return
        log.info("%d fixed sentences ready to play in %.1f s", len(self.hub.phrases), time.monotonic() - started)

    def session(self, transport: CallTransport, emit: Callable[[Event], None]) -> CallSession:
        """A conversation on `transport`, its events recorded and handed to `emit`."""
        return CallSession(transport, self.hub, self.receptionist(), self.config, self._recorder(transport), emit)

    def reminder_session(self, transport: CallTransport, reminder: ReminderCall,
                         emit: Callable[[Event], None]) -> CallSession:
        """A reminder call the box placed on `transport`: who answered is found first."""
        return CallSession(transport, self.hub, ReminderDialogue(self.receptionist(), reminder), self.config,
                           self._recorder(transport), emit, answering=AnsweringDetector(AnsweringOptions(
                               max_greeting_s=self.config.reminders.voicemail_wait_s)))

    def _recorder(self, transport: CallTransport) -> CallRecorder:
        recordings = self.config.paths.data / "recordings" if self.config.crm.record_calls else None
        return CallRecorder(self.call_log, self.store_worker, transport.call_id, self.spool, recordings,
                            self.messages, self.spool.keyring)

    def receptionist(self) -> Dialogue:
        """The receptionist for one call, with its own connection to the store (used only on
        the call's own dialogue worker, where the session runs policy decisions)."""
        tz = ZoneInfo(self.config.clinic.timezone)
        crm = self.config.crm
        db = open_store(self.records)
        records = ClinicRecords(db, tz, Contacts(db, crm.country_code, crm.trunk_prefix), spool=self.spool)
        return Dialogue(self.config.clinic, records, now=lambda: datetime.now(tz), llm=self.hub.reading,
                        can_transfer=bool(self.config.transfer.staff_uri),
                        has_on_call=bool(self.config.transfer.after_hours_uri),
                        on_silence=self.config.voice.on_silence, recording=crm.record_calls)

    def release(self, session: CallSession) -> None:
        """The call is over: its receptionist closes after any decision still running."""
        session.release()

    async def stop(self) -> None:
        """Finish the call-log writes, free the engines."""
        if self.speaking_ahead is not None:
            self.speaking_ahead.cancel()
            await asyncio.gather(self.speaking_ahead, return_exceptions=True)
        await asyncio.to_thread(self.store_worker.shutdown, True)
        if self.hub is not None:
            await asyncio.to_thread(self.hub.close)
