"""The call log of one call, written from its events on the store's worker thread.

Nothing here runs on the event loop: a store locked for seconds delays the record, never the
call's audio. A store that refuses a write is logged and the call goes on; a callback request
it refuses waits in the spool (`leave_message`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.audio import stereo_wav
from appliance.crm.calls import CallLog
from appliance.crm.spool import Spool, leave_message
from appliance.keys.keyring import Keyring
from appliance.keys.sealing import write_file
from appliance.voice.events import AgentSaidEvent, Event, TranscriptEvent

log = logging.getLogger(__name__)
RECORDING_DECLINED = "the caller declined the recording"  # noted in the call log, where the call's end is


class CallRecorder:
    """Writes one call's record, turns, outcome and recording, in order, on `worker`."""

    def __init__(self, call_log: CallLog, worker: Executor, call_id: str, spool: Spool | None = None,
                 recordings: Path | None = None, messages: sqlite_utils.Database | None = None,
                 keyring: Keyring | None = None) -> None:
        self.call_log = call_log
        self.messages = messages or call_log.db  # where a callback request for staff goes
        self.worker = worker
        self.call_id = call_id
        self.spool = spool
        self.recordings = recordings  # folder for the call's audio; None: not recorded
        self.keyring = keyring  # the recording is sealed with its data key; None: written plain
        self.record_id: int | None = None

    def open(self, number: str, name: str, direction: str, then: Callable[[int], None]) -> Future:
        """Start the call's record; `then(record_id)` runs on the worker once it exists."""
        def start() -> None:
            self.record_id = self._write("the call", self.call_log.start, number, name, direction)
            if self.record_id is not None:
                then(self.record_id)
        return self.worker.submit(start)

    def on_event(self, event: Event) -> None:
        """Queue the turn an event tells of (final caller transcripts and what the agent said)."""
        if isinstance(event, TranscriptEvent) and event.final and event.text:
            self._queue("a caller turn", lambda rid: self.call_log.add_turn(
                rid, "caller", event.text, confidence=event.confidence))
        elif isinstance(event, AgentSaidEvent) and event.text:
            self._queue("an agent turn", lambda rid: self.call_log.add_turn(
                rid, "agent", event.text, interrupted=event.interrupted, latency=event.stages_ms))

    def leave_callback(self, text: str, number: str, name: str) -> Future:
        """Leave staff a callback request for this caller (spooled when the store refuses it)."""
        return self.worker.submit(lambda: leave_message(self.messages, self.spool, text, number, name,
                                                        None, True, self.record_id))

    def close(self, outcome: str, reason: str, recording: Callable[[], tuple[bytes, bytes] | None],
              declined: bool = False) -> Future:
        """Close the record with its outcome, then keep the call's audio (`recording()`, read on
        the worker, None: nothing to keep) when calls are recorded; a recording the caller
        `declined` is noted with the reason the call ended."""
        if declined:
            reason = f"{reason}; {RECORDING_DECLINED}" if reason else RECORDING_DECLINED
        def finish(rid: int) -> None:
            self.call_log.end(rid, outcome, reason)
            audio = recording() if self.recordings is not None else None
            if audio is not None:
                self._save_recording(rid, audio)
        return self._queue("the end of the call", finish)

    def _save_recording(self, rid: int, audio: tuple[bytes, bytes]) -> None:
        path = self.recordings / f"call-{rid}.wav"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, stereo_wav(*audio), self.keyring)
        except OSError:
            log.exception("could not save the recording of %s", self.call_id)
            return
        self._write("the recording", self.call_log.set_recording, rid, str(path))

    def _queue(self, what: str, write: Callable[[int], object]) -> Future:
        def run() -> None:
            if self.record_id is not None:
                self._write(what, write, self.record_id)
        return self.worker.submit(run)

    def _write(self, what: str, write: Callable, *args):  # noqa: ANN202
        try:
            return write(*args)
        except sqlite3.Error as exc:
            log.error("call %s: the call log could not record %s: %s", self.call_id, what, exc)
            return None
