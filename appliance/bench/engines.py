"""`appliance bench engines`: load time and speed of each engine on the models in use.

Per engine: cold load time; STT final-result latency after a 1 s and a 4 s utterance (and
its WER on that synthesized speech); LLM time to first token without and with the system
prompt cached, and tokens/s; TTS time to first audio and real-time factor; VAD time per frame.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from appliance.audio import duration_s, frames
from appliance.bench.wer import word_error_rate
from appliance.config import Config
from appliance.lab.speech import espeak
from appliance.models.engines import load_engine
from appliance.models.manifest import ModelEntry, Role
from appliance.models.protocols import ChatMessage
from appliance.models.store import ModelStore, Status

UTTERANCES = {
    "1s": "Book me in please.",
    "4s": "Hello, I would like to book a cleaning appointment for next Tuesday afternoon.",
}
SYSTEM_PROMPT = (
    "You are the phone receptionist of Riverside Dental Clinic, 12 Mill Street. Opening hours: "
    "Monday to Friday 8:00 to 18:00, Saturday 9:00 to 13:00, closed Sunday. Services: check-up "
    "(30 minutes), cleaning (45 minutes), filling (60 minutes), emergency visit. Providers: "
    "Dr. Patel and Dr. Okafor; hygienist Sam Lee. Parking is free behind the building. We accept "
    "most dental insurance plans; the caller should bring their insurance card. Answer in one or "
    "two short spoken sentences, no lists, no markdown. Never give medical advice; for pain or "
    "swelling offer the earliest emergency visit. If you do not know, offer to take a message."
)
TTS_TEXT = "Thanks for calling Riverside Dental. How can I help you today?"


@dataclass
class BenchRow:
    """One engine's numbers."""

    role: str
    model: str
    engine: str
    load_s: float
    metrics: dict[str, float] = field(default_factory=dict)


def run(config: Config, store: ModelStore, roles: list[Role], every_model: bool) -> list[BenchRow]:
    """Benchmark the configured model of each role, or every installed one."""
    rows = []
    for role in roles:
        for entry in _models(config, store, role, every_model):
            started = time.monotonic()
            engine = load_engine(role, config, store, entry.name)
            row = BenchRow(str(role), entry.name, str(entry.engine), time.monotonic() - started)
            BENCHES[role](engine, entry, row)
            close = getattr(engine, "close", None)
            if close:
                close()
            rows.append(row)
    return rows


def _models(config: Config, store: ModelStore, role: Role, every: bool) -> list[ModelEntry]:
    if not every:
        return [store.resolve(role, getattr(config.models, str(role)))[0]]
    usable = [s.entry for s in store.statuses()
              if s.entry.role == role and s.status != Status.MISSING and s.entry.language == "en"]
    return usable


def bench_stt(engine: Any, entry: ModelEntry, row: BenchRow) -> None:
    """Final-result latency and WER for a short and a long utterance."""
    for label, text in UTTERANCES.items():
        pcm = espeak(text)
        stream = engine.stream()
        for frame in frames(pcm):
            stream.feed(frame)
        started = time.monotonic()
        result = stream.finish()
        row.metrics[f"final_latency_{label}_s"] = time.monotonic() - started
        row.metrics[f"audio_{label}_s"] = duration_s(pcm)
        row.metrics[f"wer_{label}"] = word_error_rate(text, result.text)


def bench_llm(engine: Any, entry: ModelEntry, row: BenchRow) -> None:
    """Time to first token cold and with the system prompt cached; decode speed."""
    system = ChatMessage("system", SYSTEM_PROMPT)
    for label, question in (("cold", "What time do you open on Saturday?"),
                            ("cached", "Is there parking near the clinic?")):
        reply = engine.chat([system, ChatMessage("user", question)], max_tokens=48)
        "".join(reply)
        stats = reply.stats
        row.metrics[f"first_token_{label}_s"] = stats.first_token_s
        row.metrics[f"cached_prompt_tokens_{label}"] = stats.cached_tokens
        decode_s = stats.total_s - stats.first_token_s
        if stats.completion_tokens > 1 and decode_s > 0:
            row.metrics["tokens_per_s"] = (stats.completion_tokens - 1) / decode_s
    row.metrics["prompt_tokens"] = stats.prompt_tokens


def bench_tts(engine: Any, entry: ModelEntry, row: BenchRow) -> None:
    """Time to the first sentence's audio and the real-time factor of the whole reply."""
    started = time.monotonic()
    first = 0.0
    audio = 0
    for chunk in engine.synthesize(TTS_TEXT, 16000):
        first = first or time.monotonic() - started
        audio += len(chunk)
    total = time.monotonic() - started
    row.metrics["first_audio_s"] = first
    row.metrics["real_time_factor"] = total / (audio / 2 / 16000)


def bench_vad(engine: Any, entry: ModelEntry, row: BenchRow) -> None:
    """Mean time to classify one 20 ms frame of speech."""
    pcm = espeak(UTTERANCES["4s"])
    stream = engine.stream()
    chunks = list(frames(pcm))
    started = time.perf_counter()
    for frame in chunks:
        stream.feed(frame)
    row.metrics["us_per_frame"] = (time.perf_counter() - started) / len(chunks) * 1e6


BENCHES: dict[Role, Callable[[Any, ModelEntry, BenchRow], None]] = {
    Role.STT: bench_stt, Role.LLM: bench_llm, Role.TTS: bench_tts, Role.VAD: bench_vad,
}


def report(rows: list[BenchRow]) -> str:
    """A human table followed by one JSON line."""
    lines = [f"{'role':4}  {'model':34} {'load s':>7}  metrics"]
    for row in rows:
        metrics = "  ".join(f"{k}={_fmt(v)}" for k, v in row.metrics.items())
        lines.append(f"{row.role:4}  {row.model:34} {row.load_s:7.2f}  {metrics}")
    payload = {"bench": "engines", "results": [
        {"role": r.role, "model": r.model, "engine": r.engine, "load_s": round(r.load_s, 3),
         **{k: round(v, 4) for k, v in r.metrics.items()}} for r in rows]}
    lines.append(json.dumps(payload, sort_keys=True))
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)
