"""Reminder runs: the due reminders are called one after another, each claimed in the store
before it is dialled, and its result written when the call is over.

Callers come first: a call out is placed only while `reminders.reserve_lines` lines stay free,
and not for `INBOUND_PAUSE_S` after a caller was turned away busy; a run that waits longer than
`LINE_WAIT_S` for a line stops, and the rest stay due for the next run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from appliance.config import Config
from appliance.crm.calls import CallLog
from appliance.crm.db import open_store
from appliance.crm.reminders import Reminder, Reminders
from appliance.crm.timeutil import now_utc
from appliance.dialogue.reminder import ReminderCall
from appliance.outbound.dialing import DialError, check_dialling, dial_uri, line_free
from appliance.reception import Reception
from appliance.sip.agent import SipAgent
from appliance.sip.endpoint import SipError
from appliance.sip.leg import CallLeg
from appliance.sip.transfer import outcome
from appliance.voice.events import Event, TransferState
from appliance.voice.session import CallSession

log = logging.getLogger(__name__)
INBOUND_PAUSE_S = 120.0
LINE_WAIT_S = 60.0
HANGUP_WAIT_S = 5.0
UNANSWERED = {TransferState.BUSY: "busy", TransferState.NO_ANSWER: "no_answer"}  # else failed, tried again
# the call record's outcome -> the reminder's result (others are kept as they are)
RESULT_OF_CALL = {"no_input": "no_response", "abandoned": "hung_up", "caller_hung_up": "hung_up",
                  "completed": "informed"}
FINISH_TRIES = 5  # a result the store refuses (locked, full) is written again this often, a second apart


@dataclass(frozen=True)
class ReminderEvent(Event):
    """A reminder call is over (or was not made): its result, as stored."""

    reminder_id: int
    appointment_id: int
    result: str
    attempts: int
    final: bool


class SessionHost(Protocol):
    """What the runner needs of the service."""

    agent: SipAgent | None
    reception: Reception
    config: Config

    def adopt(self, leg: CallLeg, session: CallSession) -> asyncio.Task:
        """Run `session` like any call (the window sees it, staff can take it over)."""

    def publish(self, event: Event) -> None: ...


class ReminderRunner:
    """Places the reminder calls of one store."""

    def __init__(self, host: SessionHost, database: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.host = host
        self.db = open_store(database)
        self.db.conn.execute("PRAGMA synchronous=FULL")  # a claim survives a power cut, not only a crash
        self.clock = clock
        self.paused_until = 0.0
        self.stopping = False  # the service is stopping: the call in progress ends, no other starts
        self._one_run = asyncio.Lock()

    @property
    def reminders(self) -> Reminders:
        """The store's reminders, paced by the configuration in force."""
        config = self.host.config
        return Reminders(self.db, ZoneInfo(config.clinic.timezone), config.reminders)

    def inbound_refused(self) -> None:
        """A caller was turned away busy: calls out wait a while."""
        self.paused_until = self.clock() + INBOUND_PAUSE_S

    async def run_forever(self) -> None:
        """Close calls a stopped service left open, then run every `reminders.poll_s`."""
        closed = await asyncio.to_thread(self.reminders.recover, now_utc())
        if closed:
            log.warning("%d reminder call(s) were cut off when the service last stopped: not called again", closed)
        while not self.stopping:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - tried again at the next poll
                log.exception("the reminder run failed")
            await asyncio.sleep(self.host.config.reminders.poll_s)

    async def run_once(self) -> list[ReminderEvent]:
        """Plan, then call every due reminder in turn; returns what came of each. Nothing is
        claimed while no way to dial out is set."""
        async with self._one_run:
            config = self.host.config
            try:
                check_dialling(config.reminders, config.sip)
            except DialError as exc:
                log.error("reminder calls cannot be placed: %s", exc)
                return []
            if config.sip.max_calls <= config.reminders.reserve_lines:
                log.error("reminder calls cannot be placed: reminders.reserve_lines (%d) keeps every one of the "
                          "%d lines (sip.max_calls) for callers", config.reminders.reserve_lines, config.sip.max_calls)
                return []
            reminders = self.reminders
            await asyncio.to_thread(reminders.plan, now_utc())
            done = []
            for reminder in await asyncio.to_thread(reminders.due, now_utc()):
                if self.stopping:
                    break
                if not await self._line():
                    log.warning("no free line for reminder calls within %.0f s: the rest wait for the next run",
                                LINE_WAIT_S)
                    break
                claimed = await asyncio.to_thread(reminders.claim, reminder.id, now_utc())
                if claimed is None:
                    continue
                try:
                    result, call_id = await self._call(claimed)
                except Exception:  # noqa: BLE001 - the reminder is finished as failed, never left claimed
                    log.exception("reminder call %d failed", claimed.id)
                    result, call_id = "failed", None
                stored = await self._finish(reminders, claimed, result, call_id)
                if stored is None:
                    continue
                event = ReminderEvent(reminder_id=stored.id, appointment_id=stored.appointment_id,
                                      result=stored.result, attempts=stored.attempts, final=stored.state == "done")
                self.host.publish(event)
                done.append(event)
            return done

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Start no other call, and wait (at most `timeout_s`) for the run in progress to write the
        result of its call, which the stopping agent hangs up."""
        self.stopping = True
        try:
            await asyncio.wait_for(self._one_run.acquire(), timeout_s)
        except TimeoutError:
            log.warning("a reminder run still going after %.0f s is left to the next start", timeout_s)
            return
        self._one_run.release()

    async def _finish(self, reminders: Reminders, reminder: Reminder, result: str,
                      call_id: int | None) -> Reminder | None:
        """Write the result, trying again while the store refuses it; None when it never took it
        (the reminder stays claimed, and the next start closes it as cut off: never called twice)."""
        for attempt in range(FINISH_TRIES):
            try:
                return await asyncio.to_thread(reminders.finish, reminder.id, result, call_id, now_utc())
            except Exception:  # noqa: BLE001 - sqlite busy, disk full: tried again
                log.exception("the result of reminder %d (%s) could not be stored (try %d)", reminder.id, result,
                              attempt + 1)
                await asyncio.sleep(1.0)
        return None

    async def _line(self) -> bool:
        """Wait for a line that leaves the reserve free (and no caller lately turned away)."""
        deadline = self.clock() + LINE_WAIT_S
        while self.clock() < deadline and not self.stopping:
            agent = self.host.agent
            if agent is not None and self.clock() >= self.paused_until:
                active = await asyncio.to_thread(agent.active_calls)
                if line_free(len(active), self.host.config.sip, self.host.config.reminders):
                    return True
            await asyncio.sleep(0.5)
        return False

    async def _call(self, reminder: Reminder) -> tuple[str, int | None]:
        """Dial, wait for an answer, hold the conversation; the result and the call's record."""
        config = self.host.config
        try:
            uri = dial_uri(reminder.phone, config.reminders, config.sip)
            leg = await asyncio.to_thread(self.host.agent.call, uri, None, reminder.phone)
        except (DialError, SipError) as exc:
            log.error("reminder %d not placed: %s", reminder.id, exc)
            return "failed", await self._unanswered(reminder, "failed", str(exc))
        if not await self._answered(leg, config.reminders.ring_timeout_s):
            code = leg.end_code
            result = UNANSWERED.get(outcome(code), "failed") if code else "no_answer"
            return result, await self._unanswered(reminder, result, leg.end_reason)
        try:
            call = ReminderCall(reminder.appointment_id, reminder.contact_id, reminder.starts_at)
            session = self.host.reception.reminder_session(leg, call, self.host.publish)
            await asyncio.shield(self.host.adopt(leg, session))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - someone may have heard part of it: never called again
            log.exception("reminder call %d broke off after it was answered", reminder.id)
            leg.hangup()
            return "error", None
        record = session.recorder.record_id if session.recorder is not None else None
        if not any(heard.is_set() for heard in session.answered.values()) and not session.turn:
            return "no_answer", record  # dropped before anyone was greeted: tried again
        return RESULT_OF_CALL.get(session.closed_as, session.closed_as or "informed"), record

    async def _answered(self, leg: CallLeg, timeout_s: float) -> bool:
        """Whether `leg` was picked up before `timeout_s`; an unanswered call is cancelled."""
        deadline = self.clock() + timeout_s
        while not (leg.answered.is_set() or leg.ended.is_set()) and self.clock() < deadline:
            await asyncio.sleep(0.05)
        if leg.answered.is_set():
            return True
        if not leg.ended.is_set():
            leg.hangup(487)
            await asyncio.to_thread(leg.ended.wait, HANGUP_WAIT_S)
        return False

    async def _unanswered(self, reminder: Reminder, result: str, reason: str) -> int | None:
        """A call-log row for a call nobody answered."""
        def write() -> int:
            log_ = CallLog(self.db)
            call_id = log_.start(reminder.phone, reminder.patient, "outbound")
            log_.end(call_id, result, reason)
            return call_id
        try:
            return await asyncio.to_thread(write)
        except Exception:  # noqa: BLE001 - the reminder's result is still stored
            log.exception("the unanswered reminder call could not be logged")
            return None

    def close(self) -> None:
        """Close the runner's store connection."""
        self.db.conn.close()
