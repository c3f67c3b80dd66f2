"""The appliance service: the SIP agent answering calls, each a `CallSession` built by the
`Reception`; the control channel, the outbox, the calendar sync and daily housekeeping beside them.

The SIP thread hands calls and events to the asyncio loop; subscribers (the GUI's control
channel, the demo, tests) receive every SIP and conversation event on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.calsync.worker import CalendarWorker, SyncStatus, sync_status
from appliance.config import CalendarConfig, Config
from appliance.control.protocol import socket_path
from appliance.control.server import ControlServer
from appliance.crm.calls import CallLog
from appliance.crm.db import StoreError, open_store
from appliance.crm.encryption import encrypt_if_keyed
from appliance.crm.maintenance import purge
from appliance.crm.messages import Messages
from appliance.crm.outbox import OutboxWorker
from appliance.crm.phones import normalise_phone
from appliance.crm.timeutil import now_utc
from appliance.outbound.dialing import dial_uri
from appliance.outbound.reminder_run import ReminderRunner
from appliance.reception import Reception
from appliance.sip.agent import SipAgent
from appliance.sip.events import CallbackEvent, CallbackState, CallRejectedEvent
from appliance.sip.leg import CallLeg
from appliance.voice.events import AlertEvent, CallEndedEvent, Event
from appliance.voice.hub import EngineHub
from appliance.voice.session import CallSession

log = logging.getLogger(__name__)
STUCK_RESTART_S = 120.0  # an engine hung this long, with no call in progress: restart the service

Subscriber = Callable[[Event], None]


class ApplianceService:
    """Everything that answers calls; `await start()`, then calls are answered until `stop()`."""

    def __init__(self, config: Config, database: Path | None = None) -> None:
        self.reception = Reception(config, database)
        self.database = self.reception.database
        self.spool = self.reception.spool
        self.sessions: dict[str, CallSession] = {}
        self.subscribers: list[Subscriber] = []
        self.agent: SipAgent | None = None
        self.outbox: OutboxWorker | None = None
        self.calendar: CalendarWorker | None = None
        self._calendar_reader: sqlite_utils.Database | None = None
        self.control: ControlServer | None = None
        self.reminders: ReminderRunner | None = None
        self._reminding: asyncio.Task | None = None
        self._housekeeping: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task] = set()
        self.unhealthy = asyncio.Event()  # set when only a restart can help (an engine hung for good)

    @property
    def config(self) -> Config:
        """The configuration in force; a new one applies to the calls that start after it."""
        return self.reception.config

    @config.setter
    def config(self, config: Config) -> None:
        self.reception.config = config

    @property
    def hub(self) -> EngineHub | None:
        """The engines, once loaded."""
        return self.reception.hub

    @property
    def call_log(self) -> CallLog | None:
        """The call log, once open."""
        return self.reception.call_log

    async def start(self) -> None:
        """Open the store (encrypting it first when it is plain and the box has a key) and the
        control channel, load and warm the engines, start the SIP agent."""
        self._loop = asyncio.get_running_loop()
        encrypt_if_keyed(self.database)
        db = open_store(self.database)
        try:
            interrupted = CallLog(db).close_interrupted()
        finally:
            db.conn.close()
        if interrupted:
            log.warning("%d call(s) were in progress when the service last stopped without closing them: "
                        "recorded as interrupted", interrupted)
        self._replay_spool()
        self.control = ControlServer(self, socket_path(self.config))
        await self.control.start()
        crm = self.config.crm
        tz = ZoneInfo(self.config.clinic.timezone)
        if crm.webhook_url:
            self.outbox = OutboxWorker(open_store(self.database), crm.webhook_url, crm.webhook_secret,
                                       webhook_format=crm.webhook_format, tz=tz)
            self.outbox.start()
        if self.config.calendar.enabled:
            self.start_calendar(self.config.calendar)
        self._housekeeping = self._loop.create_task(self._retention())
        self._watchdog = self._loop.create_task(self._watch_engines())
        await self.reception.start()
        self.agent = SipAgent(self.config.sip, on_event=self._from_sip_thread(self._dispatch),
                              on_call=self._from_sip_thread(self._start_session),
                              record=self.config.crm.record_calls)
        await asyncio.to_thread(self.agent.start)
        self.reminders = ReminderRunner(self, self.database)
        if self.config.reminders.enabled:
            self._reminding = self._loop.create_task(self.reminders.run_forever())
        else:  # runs on request only; calls a stopped service left open are closed first
            await asyncio.to_thread(self.reminders.reminders.recover, now_utc())

    async def stop(self) -> None:
        """Hang up, stop SIP, wait for sessions to close their records, free the engines."""
        if self.reminders is not None:  # no call out starts; the one in progress is hung up below
            self.reminders.stopping = True
        if self.agent is not None:
            await asyncio.to_thread(self.agent.stop)
        if self.reminders is not None:  # its result is written before the store closes
            await self.reminders.stop()
        if self.control is not None:
            await self.control.stop()
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            self._watchdog.cancel()
        if self.outbox is not None:
            await asyncio.to_thread(self.outbox.stop)
        await asyncio.to_thread(self.stop_calendar)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self._reminding is not None:
            self._reminding.cancel()  # asleep until the next poll
        await self.reception.stop()
        if self.reminders is not None:
            self.reminders.close()

    def start_calendar(self, calendar: CalendarConfig) -> None:
        """Sync the store with `calendar` in the background from now on."""
        self.calendar = CalendarWorker(open_store(self.database), calendar, ZoneInfo(self.config.clinic.timezone))
        self._calendar_reader = open_store(self.database)  # the loop's own: the worker's belongs to its thread
        self.calendar.start()

    def stop_calendar(self) -> None:
        """Stop syncing (a pass in progress finishes first)."""
        if self.calendar is not None:
            self.calendar.stop()
            self.calendar = self._calendar_reader = None

    async def _retention(self) -> None:
        """Apply the retention periods now and once a day."""
        crm = self.config.crm
        while True:
            try:
                await asyncio.to_thread(lambda: purge(open_store(self.database), crm.transcript_retention_days,
                                                      crm.recording_retention_days))
            except Exception:  # noqa: BLE001 - retried tomorrow; calls go on
                log.exception("retention purge failed")
            await asyncio.sleep(24 * 3600)

    async def _watch_engines(self) -> None:
        """A hung engine keeps its worker for good: once one has been stuck for STUCK_RESTART_S
        and no call is in progress, ask for a restart (`appliance run` exits 1, systemd restarts)."""
        while not self.unhealthy.is_set():
            await asyncio.sleep(5)
            if self.needs_restart(time.monotonic()):
                log.critical("the %s engine has not answered for %.0f s: restarting the service",
                             ", ".join(sorted(self.hub.stuck)), STUCK_RESTART_S)
                self.unhealthy.set()

    def needs_restart(self, now: float) -> bool:
        """An engine stuck for STUCK_RESTART_S and no call that a restart would cut off."""
        stuck = self.hub.stuck if self.hub is not None else {}
        return bool(stuck) and not self.sessions and now - min(stuck.values()) >= STUCK_RESTART_S

    def subscribe(self, subscriber: Subscriber) -> None:
        """Receive every event on the loop."""
        self.subscribers.append(subscriber)

    def publish(self, event: Event) -> None:
        """Hand an event to every subscriber (on the loop)."""
        for subscriber in list(self.subscribers):
            try:
                subscriber(event)
            except Exception:  # noqa: BLE001 - a broken subscriber never hurts a call
                log.exception("event subscriber failed")

    def _from_sip_thread(self, fn: Callable) -> Callable:
        loop = self._loop
        return lambda item: loop.call_soon_threadsafe(fn, item)

    def _start_session(self, leg: CallLeg) -> None:
        if self.calendar is not None:
            self.calendar.refresh()  # staff's latest blocks are in before a slot is offered
        self.adopt(leg, self.reception.session(leg, self.publish))

    def adopt(self, leg: CallLeg, session: CallSession) -> asyncio.Task:
        """Run `session` on `leg` as one of the service's calls; returns its task."""
        self.sessions[leg.call_id] = session
        task = self._loop.create_task(session.run())
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._session_done(leg.call_id, t))
        return task

    def call_back(self, number: str, message_id: int | None = None) -> dict[str, str]:
        """Ring the desk phone, then `number`, and bridge them; the outcome is logged (on the
        message, when `message_id` is given) as the call back ends."""
        transfer = self.config.transfer
        desk = transfer.desk_uri or transfer.staff_uri
        if not desk:
            raise ValueError("no desk phone is configured ([transfer] desk_uri or staff_uri)")
        if self.agent is None:
            raise ValueError("the SIP agent is not running")
        number = normalise_phone(number, self.config.crm.country_code, self.config.crm.trunk_prefix)
        patient = dial_uri(number, self.config.reminders, self.config.sip)
        callback_id = self.agent.call_back(desk, patient, number, message_id, self.config.reminders.ring_timeout_s)
        return {"callback_id": callback_id, "desk": desk}

    def _log_callback(self, event: CallbackEvent) -> None:
        """A call back ended: its outcome goes on the message and in the call log, then the event
        is published."""
        def write() -> None:
            db = open_store(self.database)
            try:
                calls = CallLog(db)
                call_id = calls.start(event.number, "", "outbound")
                calls.end(call_id, f"call back: {event.state.value}", event.detail)
                if event.message_id is not None:
                    Messages(db).record_callback(event.message_id, event.state.value)
            finally:
                db.conn.close()
        def written(task: asyncio.Task) -> None:
            if task.exception() is not None:
                log.error("the call back could not be logged", exc_info=task.exception())
            self.publish(event)  # after the write: the window reads the outcome when it hears of it
        self._loop.create_task(asyncio.to_thread(write)).add_done_callback(written)

    def _session_done(self, call_id: str, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        session = self.sessions.pop(call_id, None)
        if session is not None:
            self.reception.release(session)
        if self.spool.path.exists():
            self._replay_spool()
        if not task.cancelled() and task.exception() is not None:
            log.error("call %s session failed", call_id, exc_info=task.exception())

    def _replay_spool(self) -> None:
        """Write messages that waited for the store; they wait on (and the front desk is told)
        if it still refuses them."""
        try:
            db = open_store(self.database)
            try:
                self.spool.replay(db)
            finally:
                db.conn.close()
        except OSError:
            log.exception("the pending messages in %s cannot be read", self.spool.path)
        except StoreError as exc:  # they stay in the spool for the next try
            log.error("the pending messages wait: %s", exc)
        waiting = self._waiting_messages()
        if waiting:
            self.publish(AlertEvent(call_id="", problem=waiting))

    def _waiting_messages(self) -> str:
        try:
            count = len(self.spool.pending())
        except OSError:
            return f"the pending messages in {self.spool.path} cannot be read"
        return f"{count} message(s) wait for the store to accept them" if count else ""

    def problems(self) -> list[str]:
        """What is wrong now, in the front desk's words (empty when all is well)."""
        stuck = sorted(self.hub.stuck) if self.hub is not None else []
        found = [f"the {role} engine is not answering: " + (
            "calls go on without it, on the rules alone" if role == "llm" else "calls are handed to staff")
            for role in stuck]
        waiting = self._waiting_messages()
        calendar = self.calendar_status()
        return found + [w for w in (waiting, calendar.words() if calendar.state == "failing" else "") if w]

    def calendar_status(self) -> SyncStatus:
        """How the calendar sync stands (state 'off' when none is configured)."""
        if self.calendar is None or self._calendar_reader is None:
            return SyncStatus("off", 0, None, "")
        return sync_status(self._calendar_reader, self.calendar.config)

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, CallEndedEvent):
            log.info("call %s ended: %s %s", event.call_id, event.code, event.reason)
        elif isinstance(event, CallRejectedEvent) and event.code == 486 and self.reminders is not None:
            self.reminders.inbound_refused()
        elif isinstance(event, CallbackEvent) and event.state not in (
                CallbackState.DESK_RINGING, CallbackState.PATIENT_RINGING, CallbackState.CONNECTED):
            self._log_callback(event)
            return
        self.publish(event)
