"""`appliance bench vad`: which voice activity detector hears callers on a phone line.

The caller turns of `appliance bench turns` (pauses where people make them) in every caller
voice through a telephone channel, clean and with noise, and line noise with nobody speaking.
Each installed VAD model goes through the call's own turn detector (the running configuration's
start rules and pre-roll) and is measured on:
- the share of the turns' sounding frames it scores as speech;
- turns it never starts;
- turns whose first sound is lost: the audio a call keeps (from `PREROLL_MS` before the onset
  the detector reports) starts after the caller's first sound, so the recogniser misses the first
  word ("the first one, please" heard "Upper, one, please");
- turns started by line noise alone, and its time per 20 ms frame.
"""

from __future__ import annotations

import json
import time

import numpy as np

from appliance.audio import FRAME_BYTES, FRAME_MS, SAMPLE_RATE, frames, level_dbfs, to_pcm
from appliance.config import Config
from appliance.lab.voices import pink_noise, telephone
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.store import ModelStore
from appliance.voice.turns import TurnDetector, TurnSignal, turn_options

CANDIDATES = ("silero-vad-v5", "silero-vad-v6", "webrtc-vad")
SOUNDING_DBFS = -45.0  # a frame of the clean turn this loud is the caller's sound
FRAME_S = FRAME_MS / 1000
NOISE_S = 20.0
NOISE_DBFS = (-45.0, -30.0)  # line noise with nobody speaking: a quiet line and a loud one


def noise_clips() -> list[dict]:
    """Pink noise at each of `NOISE_DBFS`, through the telephone channel."""
    out = []
    for seed, dbfs in enumerate(NOISE_DBFS):
        noise = pink_noise(int(NOISE_S * SAMPLE_RATE), seed=seed)
        noise *= 10 ** (dbfs / 20) / np.sqrt(np.mean(noise ** 2))
        out.append({"dbfs": dbfs, "pcm": telephone(to_pcm(noise.astype(np.float32)))})
    return out


def measure(config: Config, store: ModelStore, models: list[str], turns: list[dict],
            noise: list[dict]) -> dict[str, dict]:
    """Per model: each turn's result and the starts line noise caused."""
    out = {}
    for name in models:
        vad = load_engine(Role.VAD, config, store, name)
        started = time.perf_counter()
        rows = [dict(_one_turn(vad, config, clip), voice=clip["voice"], noise=clip["noise"]) for clip in turns]
        false_starts = sum(len(_detect(vad, config, clip["pcm"])[1]) for clip in noise)
        count = sum(len(clip["pcm"]) for clip in [*turns, *noise]) // FRAME_BYTES
        out[name] = {"turns": rows, "false_starts": false_starts, "noise_minutes": len(noise) * NOISE_S / 60,
                     "us_per_frame": (time.perf_counter() - started) / count * 1e6}
    return out


def _one_turn(vad, config: Config, clip: dict) -> dict:  # noqa: ANN001 - a VAD engine
    """Frames heard as speech among the sounding ones, and how late the audio kept starts."""
    clean = [level_dbfs(f) > SOUNDING_DBFS for f in frames(clip["clean"])]
    scores, kept_from = _detect(vad, config, clip["pcm"])
    sounding = [p >= vad.threshold for p, c in zip(scores, clean, strict=False) if c]
    return {"recall": float(np.mean(sounding)) if sounding else 0.0, "started": bool(kept_from),
            "lost_ms": max(0.0, kept_from[0] - clip["start_s"]) * 1000 if kept_from else None}


def _detect(vad, config: Config, pcm: bytes) -> tuple[list[float], list[float]]:  # noqa: ANN001 - a VAD engine
    """Each frame's speech probability, and for each turn the detector starts in `pcm`, the
    second the audio it keeps begins at."""
    detector, flags = TurnDetector(turn_options(config.voice)), vad.stream()
    scores, kept_from = [], []
    for index, frame in enumerate(frames(pcm)):
        probability = flags.feed(frame)
        scores.append(probability)
        speech = detector.hears_speech(probability, vad.threshold, level_dbfs(frame))
        if detector.feed(frame, speech, (index + 1) * FRAME_S) == TurnSignal.START:
            kept_from.append((index + 1) * FRAME_S - len(detector.onset_audio()) / (2 * SAMPLE_RATE))
    return scores, kept_from


def summarise(results: dict[str, dict]) -> dict:
    """Per model: overall and per voice and noise level."""
    out = {"bench": "vad", "models": {}}
    for name, result in results.items():
        rows = result["turns"]
        groups = sorted({(r["voice"], r["noise"]) for r in rows})
        out["models"][name] = {
            **_stats(rows), "false_starts": result["false_starts"], "noise_minutes": result["noise_minutes"],
            "us_per_frame": round(result["us_per_frame"]),
            "by_voice_noise": {f"{v}/{n}": _stats([r for r in rows if (r["voice"], r["noise"]) == (v, n)])
                               for v, n in groups},
        }
    return out


def _stats(rows: list[dict]) -> dict:
    return {"turns": len(rows), "recall": round(float(np.mean([r["recall"] for r in rows])), 3),
            "never_started": sum(not r["started"] for r in rows),
            "first_sound_lost": sum(bool(r["lost_ms"]) for r in rows if r["started"])}


def report(summary: dict) -> str:
    """A human table, then one JSON line."""
    lines = [f"{'model':16} {'speech heard':>12} {'never started':>13} {'first sound lost':>16} "
             f"{'noise starts':>12} {'us/frame':>8}"]
    for name, m in summary["models"].items():
        noise = f"{m['false_starts']:>4} in {m['noise_minutes']:.1f} min"
        lines.append(f"{name:16} {m['recall']:>12.0%} {m['never_started']:>7}/{m['turns']:<5} "
                     f"{m['first_sound_lost']:>10}/{m['turns']:<5} {noise} {m['us_per_frame']:>8}")
    lines.append("(speech heard: sounding frames scored as speech; first sound lost: the audio kept for the "
                 "recogniser starts after the caller's first sound)")
    return "\n".join(lines) + "\n" + json.dumps(summary)
