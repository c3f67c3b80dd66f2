"""A scripted caller: a peer phone process that calls the service over SIP on loopback and
says each line once the agent has answered and finished its reply. The caller's voice is
synthesized (by default the Piper voice raised three semitones and sped up, so it is not the
agent's voice; or one of `voices.CALLER_VOICES`) and sent as 8 kHz PCMU, the telephone band."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.audio import read_wav, write_wav
from appliance.dialogue import wording
from appliance.lab.measure import reply_latencies_ms
from appliance.lab.peer_client import EventLog, PeerPhone
from appliance.lab.speech import shifted_piper, silence
from appliance.lab.voices import synthesize
from appliance.service import ApplianceService
from appliance.voice.events import (
    AgentSaidEvent,
    CallEndedEvent,
    CallStartedEvent,
    TurnLatencyEvent,
)

_callers = itertools.count(1)


@dataclass
class CallResult:
    """What one scripted call produced."""

    call_id: str
    transcript: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text)
    latencies_ms: list[float | None] = field(default_factory=list)  # caller-side, per line
    stages_ms: list[dict[str, float]] = field(default_factory=list)  # agent-side, per turn
    ended_by: str = ""
    jitter_ms: tuple[float | None, float | None] = (None, None)  # in the agent's and in the caller's jitter buffer
    exchanges: list[tuple[Path, str]] = field(default_factory=list)  # (line played, what the agent heard)


async def run_script(service: ApplianceService, lines: list[str], workdir: Path | None = None,
                     pause_s: float = 0.4, timeout_s: float = 30.0, voice: str = "shifted-piper",
                     caller_id: str = "") -> CallResult:
    """Call the service, say `lines` one by one after each agent reply, hang up; measure.
    With `caller_id`, the call carries it in P-Asserted-Identity, as a trunk would."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="scripted-call-"))
    wavs = iter([_caller_wav(service, line, voice, workdir) for line in lines])
    return await converse(service, lambda _agent: next(wavs, None), workdir, pause_s, timeout_s, caller_id)


# the agent's last words -> the caller's next line (a WAV) or keys it presses (digits), None: hang up
Respond = Callable[[str], Path | str | None]


async def converse(service: ApplianceService, respond: Respond, workdir: Path | None = None,
                   pause_s: float = 0.4, timeout_s: float = 30.0, caller_id: str = "") -> CallResult:
    """Call the service; after each agent reply (the greeting first), say (or key, RFC 4733)
    what `respond` makes of the agent's words (it runs on a worker thread), until it returns None
    or the call ends; hang up; measure. `CallResult.exchanges` pairs each line said with what the
    agent heard."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="scripted-call-"))
    user = f"caller{next(_callers)}"
    events = EventLog()
    service.subscribe(events.add)
    peer = await asyncio.to_thread(PeerPhone, "--user", user, "--codecs", "PCMU",
                                   record_dir=workdir / user)
    played: list[tuple[Path, int]] = []  # each line and the event index it was played at
    try:
        headers = {"P-Asserted-Identity": f"<sip:{caller_id}@127.0.0.1>"} if caller_id else {}
        peer.send(cmd="call", uri=service.agent.local_uri, headers=headers)
        started = await _wait(events, lambda e: isinstance(e, CallStartedEvent)
                              and f"sip:{user}@" in e.headers.get("from", ""), timeout_s)
        call_id = started.call_id
        said = _reply_on(call_id)
        last = await _wait(events, said, timeout_s)  # the greeting
        while not _ended(events, call_id):
            await asyncio.sleep(pause_s)
            last = _last_said(events, said) or last  # a reply in two parts: the latest counts
            answer = await asyncio.to_thread(respond, last.text)
            if answer is None or _ended(events, call_id):
                break
            mark = len(events.items)
            if isinstance(answer, Path):
                played.append((answer, mark))
                peer.send(cmd="play", wav=str(answer))
            else:
                peer.send(cmd="dtmf", digits=answer)
            last = await _wait(events, said, timeout_s, after=mark)
        await asyncio.sleep(pause_s)
        if not _ended(events, call_id):
            peer.send(cmd="hangup")
        ended = await _wait(events, lambda e: isinstance(e, CallEndedEvent) and e.call_id == call_id, timeout_s)
        record = await asyncio.to_thread(peer.wait, "ended", timeout_s, call=1)
    finally:
        await asyncio.to_thread(peer.stop)
        service.subscribers.remove(events.add)
    result = CallResult(call_id=call_id, ended_by=ended.hung_up_by,
                        jitter_ms=(ended.jitter_ms, record.get("jitter_ms")))
    result.latencies_ms = reply_latencies_ms(read_wav(Path(record["sent"])), read_wav(Path(record["received"])))
    result.stages_ms = [e.stages_ms for e in events.of(TurnLatencyEvent) if e.call_id == call_id]
    result.transcript = _transcript(events, call_id)
    result.exchanges = _exchanges(events, call_id, played)
    return result


def _reply_on(call_id: str) -> Callable[[object], bool]:
    """Whether an event is the agent's reply on `call_id`: a caller waits for what follows "One
    moment.", and for the reply that follows one the agent broke off when the caller went on
    ("No, it's for me. | Lucy Brennan.": the agent starts answering at the pause and gives way)."""
    return lambda e: (isinstance(e, AgentSaidEvent) and e.call_id == call_id and e.text != wording.ONE_MOMENT
                      and not e.interrupted)


def _last_said(events: EventLog, said: Callable[[object], bool]) -> AgentSaidEvent | None:
    replies = [e for e in events.of(AgentSaidEvent) if said(e)]
    return replies[-1] if replies else None


def _exchanges(events: EventLog, call_id: str, played: list[tuple[Path, int]]) -> list[tuple[Path, str]]:
    """Each line played and the final transcripts the agent made of it (until the next line; a
    transcript of a turn heard whole replaces the one of its first part)."""
    from appliance.voice.events import TranscriptEvent

    out = []
    items = list(events.items)
    for index, (wav, mark) in enumerate(played):
        until = played[index + 1][1] if index + 1 < len(played) else len(items)
        heard: list[str] = []
        for e in items[mark:until]:
            if isinstance(e, TranscriptEvent) and e.final and e.call_id == call_id and e.text:
                if e.whole and heard:
                    heard[-1] = e.text
                else:
                    heard.append(e.text)
        out.append((wav, " ".join(heard)))
    return out


def _caller_wav(service: ApplianceService, line: str, voice: str, workdir: Path) -> Path:
    """The caller's line as a WAV file, synthesized once per text and voice."""
    path = workdir / f"line-{voice}-{hashlib.sha1(line.encode()).hexdigest()[:12]}.wav"
    if not path.exists():
        speech = shifted_piper(service.hub.tts, line) if voice == "shifted-piper" else synthesize(line, voice)
        write_wav(path, speech + silence(0.05))
    return path


def _transcript(events: EventLog, call_id: str) -> list[tuple[str, str]]:
    from appliance.voice.events import TranscriptEvent

    lines = []
    for event in events.items:
        if getattr(event, "call_id", None) != call_id:
            continue
        if isinstance(event, TranscriptEvent) and event.final:
            lines.append(("caller", event.text))
        elif isinstance(event, AgentSaidEvent):
            lines.append(("agent", event.text + (" [interrupted]" if event.interrupted else "")))
    return lines


def _ended(events: EventLog, call_id: str) -> bool:
    return any(isinstance(e, CallEndedEvent) and e.call_id == call_id for e in events.items)


async def _wait(events: EventLog, match, timeout: float, after: int = 0):  # noqa: ANN001, ANN202
    return await asyncio.to_thread(events.wait_for, match, timeout, after)
