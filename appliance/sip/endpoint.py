"""One thread that owns pjsua2: create, configure, poll, run commands, destroy.

Every pjsua2 call happens on this thread. Other threads hand it work with `submit` (which
waits for the result) or `post` (which does not), and timers with `call_later`.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import logging
import os
import queue
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import pjsua2 as pj

from appliance.errors import ApplianceError
from appliance.sip.security import TlsFileError, TlsFiles, tls_config

log = logging.getLogger(__name__)

TRANSPORTS = {"udp": pj.PJSIP_TRANSPORT_UDP, "tcp": pj.PJSIP_TRANSPORT_TCP, "tls": pj.PJSIP_TRANSPORT_TLS}
CODEC_IDS = {"G722": "G722/16000", "PCMU": "PCMU/8000", "PCMA": "PCMA/8000"}
# pjmedia's clock thread hands every 20 ms frame of a call to Python and back, and needs the GIL
# each time: while another thread runs Python code it waits up to the switch interval (5 ms by
# default) per handoff, falls behind and the caller's words are lost. With a busy Python thread
# in the process, "Yes, it's for me" was heard "Yeah, please." at 5 ms, right at 1 ms.
GIL_HANDOFF_S = 0.001


class SipError(ApplianceError):
    """The SIP stack could not start or refused an operation."""

    code = "sip.error"


@dataclass(frozen=True)
class EndpointSettings:
    """What the SIP endpoint binds to and offers."""

    bind_address: str = "127.0.0.1"
    port: int = 5060
    transport: str = "udp"
    public_address: str = ""
    codecs: tuple[str, ...] = ("G722", "PCMU", "PCMA")
    log_level: int = 2
    user_agent: str = "clinic-voice-appliance"
    tls: TlsFiles = TlsFiles()  # used with transport "tls"


# a digest answer (from the password and the nonce) is open to offline guessing: never logged
_DIGEST_RESPONSE = re.compile(r'(response\s*=\s*)"?[0-9a-fA-F]+"?')


def redact(line: str) -> str:
    """A pjsip log line with the digest responses of Authorization headers hidden."""
    return _DIGEST_RESPONSE.sub(r'\1"(hidden)"', line)


class _LogWriter(pj.LogWriter):
    """pjlib log lines into Python logging (pjlib may call this from any of its threads).

    Passwords never reach pjsip's log (it prints whole SIP messages from level 4 on, and
    those hold only digest responses, which are hidden here)."""

    def write(self, entry: pj.LogEntry) -> None:
        log.log(logging.WARNING if entry.level <= 2 else logging.DEBUG, "pjsip: %s", redact(entry.msg.rstrip()))


class SipThread:
    """Runs pjsua2's event loop; `setup(ep)` runs on it once the library has started."""

    def __init__(self, settings: EndpointSettings, setup: Callable[[pj.Endpoint], None],
                 teardown: Callable[[], None], name: str = "sip") -> None:
        self.settings = settings
        self._setup = setup
        self._teardown = teardown
        self._commands: queue.SimpleQueue[tuple[Callable[[], Any], Future | None]] = queue.SimpleQueue()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._stop = threading.Event()
        self._ready: Future = Future()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.endpoint: pj.Endpoint | None = None

    def start(self, timeout: float = 15.0) -> None:
        """Start the thread and wait until the stack is up; raise `SipError` if it is not."""
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_HANDOFF_S))
        self._thread.start()
        try:
            self._ready.result(timeout)
        except TimeoutError:
            raise SipError("the SIP stack did not start in time") from None

    def stop(self, timeout: float = 10.0) -> None:
        """Tear down calls and the stack, then end the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def on_thread(self) -> bool:
        """True when called from the SIP thread itself."""
        return threading.current_thread() is self._thread

    def submit(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run `fn` on the SIP thread and return its result (or raise its exception)."""
        if self.on_thread():
            return fn()
        if not self._thread.is_alive() or self._stop.is_set():
            raise SipError("the SIP stack is not running")
        future: Future = Future()
        self._commands.put((fn, future))
        return future.result(timeout)

    def post(self, fn: Callable[[], Any]) -> None:
        """Run `fn` on the SIP thread soon, without waiting."""
        self._commands.put((fn, None))

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the SIP thread after `delay` seconds (call only on the SIP thread)."""
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))

    # --- the thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.endpoint = _create_endpoint(self.settings)
            self._setup(self.endpoint)
        except Exception as exc:  # noqa: BLE001 - report any start failure to start()
            _drop_frames(exc)
            self._destroy()  # before start() returns: the caller may start another stack at once
            self._ready.set_exception(exc if isinstance(exc, SipError) else SipError(f"SIP start failed: {exc}"))
            return
        self._ready.set_result(True)
        try:
            while not self._stop.is_set():
                self.endpoint.libHandleEvents(10)
                self._run_commands()
                self._run_timers()
        finally:
            try:
                self._teardown()
            except Exception:  # noqa: BLE001
                log.exception("SIP teardown failed")
            self._drop_pending()
            self._destroy()

    def _drop_pending(self) -> None:
        """Forget queued work once the calls are torn down: its closures may hold the last
        reference to a pjsua2 object, which must be freed before the library is, not after."""
        self._timers.clear()
        while True:
            try:
                _, future = self._commands.get_nowait()
            except queue.Empty:
                break
            if future is not None:
                future.set_exception(SipError("the SIP stack stopped"))
        gc.collect()

    def _run_commands(self) -> None:
        while True:
            try:
                fn, future = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                result = fn()
            except Exception as exc:  # noqa: BLE001 - handed back to the caller
                if future is not None:
                    future.set_exception(exc)
                else:
                    log.exception("SIP command failed")
            else:
                if future is not None:
                    future.set_result(result)

    def _run_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            try:
                fn()
            except Exception:  # noqa: BLE001
                log.exception("SIP timer failed")

    def _destroy(self) -> None:
        ep, self.endpoint = self.endpoint, None
        if ep is not None:
            try:
                ep.libDestroy()
            except Exception:  # noqa: BLE001
                log.exception("pjsua2 libDestroy failed")


def _create_endpoint(s: EndpointSettings) -> pj.Endpoint:
    ep = pj.Endpoint()
    with _quiet_stdout():  # pjlib prints a banner before its log config applies
        ep.libCreate()
    try:
        _start_endpoint(ep, s)
    except BaseException:
        ep.libDestroy()
        raise
    return ep


def _drop_frames(exc: BaseException | None) -> None:
    """Clear the local variables of the frames `exc` (and what it chains) went through: one of
    them may hold the `Endpoint`, and while it lives pjsua2 aborts the process on the next
    `Endpoint()` (one per process)."""
    while exc is not None:
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__


def _start_endpoint(ep: pj.Endpoint, s: EndpointSettings) -> None:
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.userAgent = s.user_agent
    config.logConfig.level = s.log_level
    config.logConfig.consoleLevel = s.log_level
    writer = _LogWriter()
    writer.__disown__()  # pjsua2 owns the writer and deletes it in libDestroy
    config.logConfig.writer = writer
    config.logConfig.decor = 0
    config.medConfig.clockRate = 16000
    config.medConfig.sndClockRate = 16000
    config.medConfig.channelCount = 1
    config.medConfig.noVad = True
    config.medConfig.ecTailLen = 0
    config.medConfig.sndAutoCloseTime = -1
    ep.libInit(config)
    transport = pj.TransportConfig()
    transport.port = s.port
    transport.boundAddress = s.bind_address
    transport.publicAddress = s.public_address or s.bind_address
    if s.transport == "tls":
        try:
            tls_config(s.tls, transport.tlsConfig)
        except TlsFileError as exc:
            raise SipError(exc.args[0]) from None
    try:
        ep.transportCreate(TRANSPORTS[s.transport], transport)
    except pj.Error as exc:
        raise SipError(f"cannot listen for SIP on {s.bind_address}:{s.port}/{s.transport}: "
                       f"{exc.reason}") from None
    ep.audDevManager().setNullDev()
    ep.libStart()
    for codec in ep.codecEnum2():
        ep.codecSetPriority(codec.codecId, 0)
    for rank, name in enumerate(s.codecs):
        ep.codecSetPriority(CODEC_IDS[name.upper()], 250 - rank)


class _quiet_stdout:  # noqa: N801 - used as a context manager
    """Point fd 1 at /dev/null for the duration (pjlib writes there directly)."""

    def __enter__(self) -> None:
        self._saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)

    def __exit__(self, *exc: object) -> None:
        os.dup2(self._saved, 1)
        os.close(self._saved)
