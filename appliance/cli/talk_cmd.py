"""`appliance talk`: a test call with the agent through this PC's headset, with the live
configuration's engines, call loop, receptionist and store (`Reception`), as a phone call has."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

from appliance.config import Config, load_config
from appliance.crm.scratch import scratch_copy
from appliance.headset.transport import HeadsetTransport
from appliance.private_files import restrict_umask
from appliance.reception import Reception
from appliance.voice.events import (
    AgentSaidEvent,
    AlertEvent,
    Event,
    HandoverEvent,
    TranscriptEvent,
)

STOPPED = "stopped at the front desk"
TIME_UP = "the time limit was reached"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `talk`."""
    parser = sub.add_parser("talk", help="talk to the agent through this PC's microphone and speaker (a test call)")
    parser.add_argument("--book", action="store_true",
                        help="let the agent really book, cancel and leave messages (default: nothing it "
                             "does is kept; it reads the real calendar, contacts and answers)")
    parser.add_argument("--device", metavar="NAME", help="the headset to use: part of its name "
                        "(default: the system's microphone and speaker)")
    parser.add_argument("--seconds", type=_positive, metavar="N", help="end the call after N seconds")
    parser.set_defaults(run=run_talk)


def run_talk(args: argparse.Namespace) -> int:
    """One conversation, logged as a test call; exit 1 when the sound device failed during it."""
    restrict_umask()
    config = load_config(args.config)
    transport = HeadsetTransport(args.device)  # no microphone or speaker: fails before any model loads
    try:
        mic, speaker = transport.headset.microphone, transport.headset.speaker
        say(f"Microphone: {mic.name}; speaker: {speaker.name}")
        say("Bookings, cancellations and messages are real." if args.book else
            "A test call: nothing the agent books, cancels or notes is kept (use --book to keep it).")
        with contextlib.ExitStack() as stack:
            records = None if args.book else stack.enter_context(scratch_copy(config.paths.data / "appliance.db"))
            reason = asyncio.run(talk(config, transport, records, args.seconds))
    finally:
        transport.hangup()
    say(f"Call ended: {reason}.")
    return 1 if transport.failed else 0


async def talk(config: Config, transport: HeadsetTransport, records: Path | None, seconds: float | None) -> str:
    """Converse on `transport` until the agent hangs up, SIGINT/SIGTERM, or `seconds` pass;
    the receptionist reads and writes `records` (None: the live store). Returns why it ended."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, transport.hangup, STOPPED)
    reception = Reception(config, records=records)
    say("Loading the agent (speech recognition, language model, voice)...")
    try:
        await reception.start()
        if transport.end_reason:  # stopped while the models loaded
            return transport.end_reason
        session = reception.session(transport, show)
        if seconds:
            loop.call_later(seconds, transport.hangup, TIME_UP)
        say("The agent is on the line: talk into the headset. Press Ctrl+C to end the call.")
        try:
            await session.run()
        finally:
            reception.release(session)
    finally:
        transport.hangup(STOPPED)  # frees the device whatever happened; no-op once ended
        await reception.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return transport.end_reason


def transcript_line(event: Event) -> str | None:
    """The line a test call prints for an event, if any."""
    if isinstance(event, TranscriptEvent) and event.final and event.text:
        return f"You: {event.text}"
    if isinstance(event, AgentSaidEvent) and event.text:
        return f"Agent: {event.text}" + (" (interrupted)" if event.interrupted else "")
    if isinstance(event, HandoverEvent):
        return f"(the agent hands the call to staff: {event.reason})"
    if isinstance(event, AlertEvent) and event.problem:
        return f"Problem: {event.problem}"
    return None


def show(event: Event) -> None:
    """Print the transcript as it happens."""
    line = transcript_line(event)
    if line is not None:
        say(line)


def say(line: str) -> None:
    """One line of output; flushed, as the front-desk window reads it through a pipe."""
    print(line, flush=True)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value
