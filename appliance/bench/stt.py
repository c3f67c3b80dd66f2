"""`appliance bench stt`: which recogniser hears callers on a phone line best, and at what cost.

Clinic caller sentences in every caller voice, through a telephone channel, clean and with
pink noise; per model: word error rate, clips it returned no words for, decode time per
utterance (p50/p95) and memory. Whisper models run with and without the context hint (the
call's own hint for the step each sentence answers: `dialogue.hints`). Each model runs in its
own process, so its memory is measured alone. A fallback row replays the backup's answer for the
primary's empty ones.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from appliance.audio import frames
from appliance.bench.wer import corpus_word_error_rate
from appliance.config import Config
from appliance.dialogue.hints import ClinicWords
from appliance.dialogue.state import Step
from appliance.errors import EngineError
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone, with_noise
from appliance.models.engines import load_engine
from appliance.models.manifest import Engine, Role
from appliance.models.store import ModelStore

CANDIDATES = ("whisper-tiny.en", "whisper-base", "moonshine-base-en")
NOISE = ("clean", "20", "10")  # clean, or the speech-to-noise ratio in dB
CLINIC = ClinicWords("Riverside Dental", ("check-up", "cleaning", "filling", "crown", "whitening"),
                     ("Dr. Patel", "Dr. Okafor", "Sam Lee"))
# (the step of the call the caller answers, what the caller says): the hint is the call's own for that step
SENTENCES: tuple[tuple[Step, str], ...] = (
    (Step.INTENT, "Hi, I would like to book a cleaning with Doctor Patel next Tuesday."),
    (Step.NAME, "My name is Maria Lopez, that is L O P E Z."),
    (Step.DOB, "I was born on the third of May, nineteen eighty four."),
    (Step.CALLBACK, "You can call me back on five five five, zero one two three."),
    (Step.CHOOSE, "Could I come in at half past three on Thursday afternoon?"),
    (Step.INTENT, "I have a terrible toothache and my cheek is swollen since yesterday."),
    (Step.WHEN, "Is there anything free on Monday the twelfth of June?"),
    (Step.INTENT, "I need to cancel my appointment for Friday at ten thirty."),
    (Step.MESSAGE, "My insurance is with Blue Cross, the member number is four two seven nine."),
    (Step.INTENT, "Do you have parking, and how late are you open on Saturday?"),
    (Step.INTENT, "I'd prefer Doctor Okafor if she has time this week."),
    (Step.INTENT, "My son Jacob needs a check-up, he is seven years old."),
    (Step.INTENT, "How much does teeth whitening cost without insurance?"),
    (Step.MESSAGE, "Yes, please send the reminder to my email instead of a text message."),
    (Step.INTENT, "Hello, this is Sam Nguyen, I'm returning a call from the clinic."),
)
PAD_S = (0.2, 0.4)  # silence before and after, as the endpointer leaves it


def clips(voices: list[str], noise: list[str]) -> list[dict]:
    """Every sentence in every voice and noise level, through the telephone channel."""
    out = []
    for voice in voices:
        for index, (step, text) in enumerate(SENTENCES):
            phone = telephone(silence(PAD_S[0]) + synthesize(text, voice) + silence(PAD_S[1]))
            for level in noise:
                pcm = phone if level == "clean" else with_noise(phone, float(level), seed=index)
                out.append({"voice": voice, "noise": level, "text": text,
                            "hint": CLINIC.hint(step), "pcm": pcm})
    return out


def run(config: Config, store: ModelStore, models: list[str], voices: list[str],
        noise: list[str]) -> dict[str, dict]:
    """Per-clip results of every model (and, for Whisper, of its hinted variant) by label."""
    audio = clips(voices, noise)
    results = {}
    for name in models:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            try:
                results.update(pool.submit(_measure, config, store.dir, name, audio).result())
            except EngineError as exc:  # a model this machine cannot run (Moonshine without AVX-512)
                print(f"{name} left out: {exc}", file=sys.stderr)
    return results


def _measure(config: Config, models_dir: Path, name: str, audio: list[dict]) -> dict[str, dict]:
    """In a fresh process: load `name`, decode every clip (twice for Whisper: with the hint)."""
    store = ModelStore(models_dir)
    before = _rss_mb()
    engine = load_engine(Role.STT, config, store, name)
    loaded = _rss_mb()
    hinted = (False, True) if store.manifest.get(name).engine == Engine.FASTER_WHISPER else (False,)
    out = {}
    for hint in hinted:
        rows = []
        for clip in audio:
            started = time.perf_counter()
            stream = engine.stream(clip["hint"] if hint else "")
            for frame in frames(clip["pcm"]):
                stream.feed(frame)
            text = stream.finish().text
            rows.append({"voice": clip["voice"], "noise": clip["noise"], "text": clip["text"],
                         "heard": text, "ms": (time.perf_counter() - started) * 1000})
        out[f"{name}+hint" if hint else name] = {"clips": rows, "load_mb": loaded - before,
                                                 "peak_mb": _peak_mb() - before}
    engine.close()
    return out


def with_fallback(results: dict[str, dict], primary: str, backup: str) -> dict | None:
    """What `primary` backed by `backup` would have answered: the backup's text and added
    time for every clip the primary heard nothing in."""
    if primary not in results or backup not in results:
        return None
    rows = [dict(a, heard=b["heard"], ms=a["ms"] + b["ms"]) if not a["heard"].strip() else a
            for a, b in zip(results[primary]["clips"], results[backup]["clips"], strict=True)]
    return {"clips": rows, "load_mb": results[primary]["load_mb"] + results[backup]["load_mb"],
            "peak_mb": results[primary]["peak_mb"] + results[backup]["peak_mb"]}


def summarise(results: dict[str, dict]) -> dict[str, dict]:
    """Per label: WER overall, by noise and by voice; empty answers; decode ms; memory."""
    summary = {}
    for label, result in results.items():
        rows = result["clips"]
        ms = np.array([r["ms"] for r in rows])
        summary[label] = {
            "wer": _wer(rows),
            "wer_by_noise": {n: _wer([r for r in rows if r["noise"] == n]) for n in _keys(rows, "noise")},
            "wer_by_voice": {v: _wer([r for r in rows if r["voice"] == v]) for v in _keys(rows, "voice")},
            "empty": sum(not r["heard"].strip() for r in rows), "clips": len(rows),
            "decode_ms": {"p50": round(float(np.percentile(ms, 50))), "p95": round(float(np.percentile(ms, 95)))},
            "load_mb": round(result["load_mb"]), "peak_mb": round(result["peak_mb"]),
        }
    return summary


def report(summary: dict[str, dict]) -> str:
    """A human table (WER in %) and one JSON line."""
    first = next(iter(summary.values()))
    noise, voices = list(first["wer_by_noise"]), list(first["wer_by_voice"])
    head = (f"{'model':36} {'WER':>5} " + " ".join(f"{n:>6}" for n in noise) + "  "
            + " ".join(f"{v[:10]:>10}" for v in voices)
            + f" {'empty':>7} {'p50 ms':>7} {'p95 ms':>7} {'load MB':>8} {'peak MB':>8}")
    lines = [head]
    for label, s in summary.items():
        lines.append(
            f"{label:36} {s['wer'] * 100:5.1f} " + " ".join(f"{s['wer_by_noise'][n] * 100:6.1f}" for n in noise)
            + "  " + " ".join(f"{s['wer_by_voice'][v] * 100:10.1f}" for v in voices)
            + f" {s['empty']:>3}/{s['clips']:<3} {s['decode_ms']['p50']:>7} {s['decode_ms']['p95']:>7}"
            + f" {s['load_mb']:>8} {s['peak_mb']:>8}")
    lines.append("WER in % over all clips, then by noise (clean or SNR dB) and by caller voice; "
                 "decode time per utterance on the configured threads")
    return "\n".join([*lines, json.dumps({"bench": "stt", "models": summary}, sort_keys=True)])


def _wer(rows: list[dict]) -> float:
    """Corpus word error rate: errors over all reference words."""
    return round(corpus_word_error_rate([(r["text"], r["heard"]) for r in rows]) or 0.0, 4)


def _keys(rows: list[dict], key: str) -> list[str]:
    return list(dict.fromkeys(r[key] for r in rows))


def _rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def _peak_mb() -> float:
    return _status_kb("VmHWM") / 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0

