"""The control channel's server side, on the service's asyncio loop. It carries what the front
desk's window shows and no more: of a call, the caller's number, name and matched contact, the
words said, what the agent gathered from them (its card), the handover and the transfer; never
the SIP headers or a patient's record beyond what the caller said and the matched name."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appliance.control.live import DESK_TAKE_OVER, DESK_TRANSFER, LiveCalls
from appliance.control.protocol import MAX_LINE, decode, encode, event_message
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.errors import ApplianceError

if TYPE_CHECKING:
    from appliance.service import ApplianceService

log = logging.getLogger(__name__)
CLIENT_QUEUE = 2000  # events waiting for a client that does not read: beyond, it is dropped
NOT_SENT = ("headers", "remote_uri")  # a call's SIP detail: the window shows the caller's number and name only


class CommandError(Exception):
    """A command that cannot be carried out; its message goes back to the client."""


class ControlServer:
    """Serves `service` on a Unix socket at `path` (mode 0660: the owner and its group)."""

    def __init__(self, service: ApplianceService, path: Path) -> None:
        self.service = service
        self.path = path
        sip = service.config.sip
        self.live = LiveCalls("unregistered" if sip.register else "not configured")
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Queue] = set()
        self._handlers: set[asyncio.Task] = set()
        self._contacts: Contacts | None = None

    async def start(self) -> None:
        """Listen (replacing a stale socket file) and follow the service's events."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        old_umask = os.umask(0o117)  # the socket is created 0660, never briefly wider
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=MAX_LINE)
        finally:
            os.umask(old_umask)
        crm = self.service.config.crm
        self._contacts = Contacts(open_store(self.service.database), crm.country_code, crm.trunk_prefix)
        self.service.subscribe(self._on_event)

    async def stop(self) -> None:
        """Stop listening and disconnect clients."""
        if self._server is not None:
            self._server.close()
            for queue in list(self._clients):
                queue.put_nowait(None)
            await self._server.wait_closed()
            if self._handlers:
                await asyncio.wait(self._handlers, timeout=2)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    # --- events --------------------------------------------------------------------------
    def _on_event(self, event: object) -> None:
        message = event_message(event)
        if message["type"] == "CallStarted":
            for key in NOT_SENT:
                message.pop(key, None)
            message["contact"] = self._contact_name(message["caller_number"]) if message["caller_number"] else ""
        self.live.apply(message)
        for queue in list(self._clients):
            if queue.qsize() >= CLIENT_QUEUE:
                log.warning("a control client stopped reading; disconnecting it")
                self._clients.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(message)

    def _contact_name(self, number: str) -> str:
        try:
            found = self._contacts.by_phone(number)
        except Exception:  # noqa: BLE001 - a busy store never holds up the event stream
            log.exception("contact lookup for the live view failed")
            return ""
        return found[0].name if len(found) == 1 else (f"{len(found)} contacts" if found else "")

    # --- one client ----------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        self._handlers.add(handler)
        queue: asyncio.Queue = asyncio.Queue()
        queue.put_nowait({"type": "Snapshot", **self.status()})
        self._clients.add(queue)
        sender = asyncio.create_task(self._send(queue, writer))
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    queue.put_nowait({"type": "Error", "error": "line too long"})
                    break
                if not line:
                    break
                queue.put_nowait(await self._reply(line))
        except ConnectionError:
            pass
        finally:
            self._clients.discard(queue)
            queue.put_nowait(None)
            await sender
            self._handlers.discard(handler)

    async def _send(self, queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
        try:
            while (message := await queue.get()) is not None:
                writer.write(encode(message))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._clients.discard(queue)
            writer.close()

    async def _reply(self, line: bytes) -> dict[str, Any]:
        try:
            message = decode(line)
        except ValueError as exc:
            return {"type": "Reply", "id": None, "ok": False, "error": f"not a JSON object: {exc}"}
        reply = {"type": "Reply", "id": message.get("id")}
        try:
            result = await self._command(message)
        except CommandError as exc:
            return {**reply, "ok": False, "error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the client, logged here
            log.exception("control command %r failed", message.get("cmd"))
            return {**reply, "ok": False, "error": f"the service failed: {exc}"}
        return {**reply, "ok": True, "result": result}

    # --- commands ------------------------------------------------------------------------
    async def _command(self, message: dict[str, Any]) -> Any:
        cmd = message.get("cmd")
        if cmd == "status":
            return self.status()
        if cmd in ("transfer", "take_over"):
            session = self._session(message)
            transfer = self.service.config.transfer
            target = transfer.staff_uri if cmd == "transfer" else (transfer.desk_uri or transfer.staff_uri)
            if not target:
                raise CommandError("no staff phone is configured ([transfer] staff_uri)")
            why = DESK_TRANSFER if cmd == "transfer" else DESK_TAKE_OVER
            return {"target": target, "summary": await session.hand_over(target, why)}
        if cmd == "hangup":
            self._session(message).transport.hangup()
            return {}
        if cmd == "call_back":
            number, message_id = message.get("number"), message.get("message_id")
            if not isinstance(number, str) or not number or isinstance(message_id, bool) or not isinstance(
                    message_id, int | None):
                raise CommandError("call_back needs a number (and may name a message_id)")
            try:
                return self.service.call_back(number, message_id)
            except (ValueError, ApplianceError) as exc:
                raise CommandError(str(exc)) from None
        if cmd == "reminders_run":
            if self.service.reminders is None:
                raise CommandError("the service is still starting")
            return [event_message(e) for e in await self.service.reminders.run_once()]
        raise CommandError(f"unknown command {cmd!r} (status, transfer, take_over, hangup, call_back, "
                           "reminders_run)")

    def _session(self, message: dict[str, Any]):  # noqa: ANN202
        call_id = message.get("call_id")
        session = self.service.sessions.get(call_id) if isinstance(call_id, str) else None
        if session is None:
            raise CommandError(f"no call {call_id!r} in progress")
        return session

    def status(self) -> dict[str, Any]:
        """Registration, calls in progress, transfer targets, engines."""
        config = self.service.config
        hub = self.service.hub
        engines = {role: getattr(getattr(hub, role, None), "name", "") for role in ("stt", "llm", "tts", "vad", "turn")}
        return {**self.live.snapshot(), "engines": engines, "problems": self.service.problems(),
                "transfer": {"mode": config.transfer.mode, "staff": bool(config.transfer.staff_uri),
                             "desk": bool(config.transfer.desk_uri or config.transfer.staff_uri)},
                "clinic": config.clinic.name, "calendar": self.service.calendar_status().report()}
