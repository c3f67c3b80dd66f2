"""`appliance bench turns`: does the agent wait for the caller to finish, and how long after?

Caller turns with pauses where people make them (`turn_lines`: between the groups of a phone
number, inside a date of birth, between spelled letters, after "um", at a comma), in every
caller voice through a telephone channel, clean and with noise. Each turn goes through the
running configuration's VAD and turn detector; at every pause the recogniser decodes what was
said so far (as a call's early recognition does, with the step's hint) and the end-of-turn
model scores it (a spelling is read knowing the name it spells, as the call does when it heard
the name right). Then each way of ending turns is replayed over those pauses: how many turns
it cuts off in the middle (by kind) and how long it waits after a turn's real end (the caller's
last sound: the VAD's own lag behind it counts). The time to decode and score is not in the
wait: it is measured per pause and reported beside it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from appliance.audio import frames, level_dbfs, trimmed
from appliance.bench.turn_lines import COUNTED, PAUSES_MS, SPELLING, TURNS, WHOLE
from appliance.bench.stt import CLINIC
from appliance.config import Config
from appliance.dialogue.name_spelling import NameSpelling, load_lists
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.unfinished import says_something, sounds_answered, sounds_unfinished, whole_sentence
from appliance.lab.measure import WINDOW_S, active_windows
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone, with_noise
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.store import ModelStore
from appliance.voice.turns import TurnDetector, TurnOptions, TurnSignal, Verdict, turn_options

NEVER_MS = 60_000  # the detector used to find pauses never ends a turn by itself
TODAY = date(2026, 1, 15)
IN_MIDDLE_MS = 100  # a pause starting more than this long before the caller's last sound is in the middle of the turn


@dataclass(frozen=True)
class Pause:
    """One pause in a caller's turn, and what was known there."""

    gap_ms: float  # how long the caller stayed silent (inf: the turn's real end)
    text: str  # the early decode of everything said so far
    score: float | None  # the end-of-turn model's
    unfinished: bool  # the words read as going on (`dialogue.unfinished`)
    answered: bool  # the words read as a full answer to the question asked
    decode_ms: float
    score_ms: float
    lag_ms: float  # from the caller's last sound to the detector's end of speech here (below 0: said before it)

    @property
    def in_middle(self) -> bool:
        """The caller said more after this pause (a pause the line's noise ended after the last
        word is at the turn's end)."""
        return self.lag_ms < -IN_MIDDLE_MS


# name -> verdict of one pause: the ways of ending turns compared
Judge = Callable[[Pause, TurnOptions], Verdict]
JUDGES: dict[str, Judge] = {
    "silence, early after a sentence (before)":
        lambda p, o: Verdict.DONE if whole_sentence(p.text) else Verdict.UNSURE,
    "+ words that go on hold": lambda p, o: o.verdict(whole_sentence(p.text), p.unfinished, None),
    "+ model >= 0.5 to end early": lambda p, o: o.verdict(whole_sentence(p.text), p.unfinished, p.score),
    "+ a full answer ends early (default)":
        lambda p, o: o.verdict(says_something(p.text), p.unfinished, p.score, p.answered),
    "+ model, and holds below 0.1":
        lambda p, o: replace(o, hold_below=0.1).verdict(whole_sentence(p.text), p.unfinished, p.score),
    "model alone (>= 0.5 ends, else hold)":
        lambda p, o: Verdict.DONE if (p.score or 0) >= 0.5 else Verdict.UNFINISHED,
}


def clips(voices: list[str], noise: list[str]) -> list[dict]:
    """Every turn in every voice and noise level: its pieces said with pauses (the synthesizer's own
    silence around each piece trimmed, so a pause is as long as `PAUSES_MS` says), through the phone;
    with the clean audio and when its sound starts and ends."""
    out = []
    for voice in voices:
        for index, (step, kind, text) in enumerate(TURNS):
            pieces = [piece.strip() for piece in text.split("|")]
            pcm = silence(0.3)
            for n, piece in enumerate(pieces):
                pcm += trimmed(synthesize(piece, voice))
                pcm += silence(PAUSES_MS[(index + n) % len(PAUSES_MS)] / 1000 if n < len(pieces) - 1 else 2.5)
            phone = telephone(pcm)
            sounds = np.flatnonzero(active_windows(phone))
            for level in noise:
                out.append({"voice": voice, "noise": level, "step": step, "kind": kind, "text": text.replace("| ", ""),
                            "start_s": sounds[0] * WINDOW_S if sounds.size else 0.0,
                            "end_s": (sounds[-1] + 1) * WINDOW_S if sounds.size else 0.0, "clean": phone,
                            "spelling": (spelled_word(text.replace("|", "")) or "") if kind == SPELLING else "",
                            "pcm": phone if level == "clean" else with_noise(phone, float(level), seed=index)})
    return out


def measure(config: Config, store: ModelStore, audio: list[dict]) -> list[dict]:
    """The pauses of every clip, with the early decode and the model's score at each."""
    vad = load_engine(Role.VAD, config, store)
    stt = load_engine(Role.STT, config, store)
    model = load_engine(Role.TURN, config, store)
    load_lists()  # as the service does at start, not in the first spelling's decode
    options = turn_options(config.voice)
    options = replace(options, end_ms=NEVER_MS, endpoint=replace(options.endpoint, end_silence_ms=NEVER_MS,
                                                                   max_utterance_ms=NEVER_MS))
    out = [{k: clip[k] for k in ("voice", "noise", "kind", "text")}
           | {"pauses": _pauses(clip, vad, stt, model, options)} for clip in audio]
    stt.close()
    return out


def _pauses(clip: dict, vad, stt, model, options: TurnOptions) -> list[Pause]:  # noqa: ANN001 - engines
    detector, flags = TurnDetector(options), vad.stream()
    stream, heard, found, started = None, b"", [], None
    for index, frame in enumerate(frames(clip["pcm"])):
        speech = detector.hears_speech(flags.feed(frame), vad.threshold, level_dbfs(frame))
        signal = detector.feed(frame, speech, (index + 1) * 0.02)  # a frame arrives whole, at its end
        if signal == TurnSignal.START and stream is None:
            letters = NameSpelling.asked(clip["step"], clip["spelling"])
            detector.spelling = letters is not None
            stream = stt.stream(CLINIC.hint(clip["step"]), letters=letters)
            heard = detector.onset_audio()
            for piece in frames(heard):
                stream.feed(piece)
        elif stream is not None:
            heard += frame
            stream.feed(frame)
        if signal == TurnSignal.PAUSED:
            t0 = time.perf_counter()
            text = stream.finish().text
            t1 = time.perf_counter()
            score = model.finished(heard)
            t2 = time.perf_counter()
            unfinished = sounds_unfinished(text, clip["step"], "US", False, TODAY, clip["spelling"])
            answered = sounds_answered(text, clip["step"], "US", False, TODAY, clip["spelling"])
            found.append([math.inf, text, score, unfinished, answered, (t1 - t0) * 1000, (t2 - t1) * 1000,
                          (detector.speech_end - clip["end_s"]) * 1000])
            started = detector.speech_end
        elif signal == TurnSignal.RESUMED and found:
            found[-1][0] = ((index + 1) * 0.02 - started) * 1000 - 20
    return [Pause(*p) for p in found]


def replay(measured: list[dict], options: TurnOptions) -> dict[str, dict]:
    """Per way of ending turns: cut-offs by kind, and the wait after a turn's real end."""
    out = {}
    for name, judge in JUDGES.items():
        cut: dict[str, list[bool]] = {}
        waits: list[tuple[str, float]] = []  # (kind, ms)
        for clip in measured:
            ended_at = None
            for pause in clip["pauses"]:
                after = options.silence_for(judge(pause, options))
                if pause.gap_ms >= after:
                    ended_at = (pause, after)
                    break
            if ended_at is None:
                continue  # a clip whose speech the VAD never found
            cut.setdefault(clip["kind"], []).append(ended_at[0].in_middle)
            if not ended_at[0].in_middle:
                waits.append((clip["kind"], ended_at[1] + ended_at[0].lag_ms))
        counted = [c for kind in COUNTED for c in cut.get(kind, [])]
        out[name] = {
            "cut_offs": {kind: round(float(np.mean(v)), 3) for kind, v in sorted(cut.items())},
            "cut_offs_numbers_dates_spellings": round(float(np.mean(counted)), 3) if counted else None,
            "wait_ms": _percentiles([ms for _, ms in waits]),
            "wait_ms_whole_turns": _percentiles([ms for kind, ms in waits if kind == WHOLE]),
        }
    return out


def summarise(measured: list[dict], options: TurnOptions) -> dict:
    """Replays overall and by voice and noise, and the cost of each pause's reading."""
    pauses = [p for clip in measured for p in clip["pauses"]]
    groups = sorted({(c["voice"], c["noise"]) for c in measured})
    return {
        "bench": "turns", "clips": len(measured), "pauses": len(pauses),
        "decode_ms": _percentiles([p.decode_ms for p in pauses]),
        "model_ms": _percentiles([p.score_ms for p in pauses]),
        "lag_ms": _percentiles([p.lag_ms for p in pauses if not math.isfinite(p.gap_ms)]),
        "options": {"early_end_ms": options.early_end_ms, "end_ms": options.end_ms,
                    "hold_ms": options.endpoint.end_silence_ms},
        "overall": replay(measured, options),
        "by_voice_noise": {f"{v}/{n}": replay([c for c in measured if (c["voice"], c["noise"]) == (v, n)], options)
                           for v, n in groups},
    }


def report(summary: dict) -> str:
    """A human table, then one JSON line."""
    lines = [f"{summary['clips']} turns, {summary['pauses']} pauses; at each pause the early decode took "
             f"p50 {summary['decode_ms']['p50']} ms and the end-of-turn model p50 {summary['model_ms']['p50']} ms; "
             f"the end of speech was found p50 {summary['lag_ms']['p50']} ms after the caller's last sound",
             f"{'way of ending turns':42} {'numbers':>8} {'dates':>6} {'spelled':>8} {'phrases':>8} "
             f"{'wait p50':>9} {'p95':>6}"]
    for name, row in summary["overall"].items():
        cut = row["cut_offs"]
        lines.append(f"{name:42} " + " ".join(f"{_pct(cut.get(k)):>{w}}" for k, w in
                                               (("number", 8), ("date", 6), ("spelling", 8), ("phrase", 8)))
                     + f" {row['wait_ms']['p50']:>9} {row['wait_ms']['p95']:>6}")
    lines.append("(cut-offs: share of turns answered at a pause in the middle; wait: ms from the caller's last "
                 "sound to the end of the turn)")
    return "\n".join(lines) + "\n" + json.dumps(summary, default=str)


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    return {"p50": round(float(np.percentile(values, 50))), "p95": round(float(np.percentile(values, 95)))}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
