"""`appliance bench answering`: does a reminder call tell a person from an answering machine, and when?

People answering ("Hello?", "Hi, this is Dana.") after a moment's silence and then waiting, and
voicemail greetings, most ending in a beep (440-1400 Hz, 200 ms-1 s, some after a short gap) and
some in no beep at all, in every caller voice (none is the agent's) through a telephone channel,
clean and with noise. Each recording goes frame by frame through the running configuration's VAD
(as a call hears speech) and `AnsweringDetector`. Reported: how many of each were told right; for
people, how long after their last word they would be greeted; for machines, whether the message
would start after the beep had ended (never before it started) and how long after it, or, with no
beep, how long after the greeting ended.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from appliance.audio import FRAME_MS, SAMPLE_RATE, frames, level_dbfs, to_pcm, trimmed
from appliance.config import Config
from appliance.lab.measure import WINDOW_S, active_windows
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone, with_noise
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.store import ModelStore
from appliance.voice.answering import AnsweringDetector, AnsweringOptions, Heard
from appliance.voice.turns import TurnDetector, turn_options

PEOPLE = (
    "Hello?",
    "Yeah, hello.",
    "Hi, this is Dana.",
    "Hello, who's this?",
    "Good morning, Park residence.",
    "Yes?",
    "Hello, Mike speaking.",
    "Hi.",
    "Yeah?",
    "Hello, this is Maria.",
    "Hey, what's up?",
    "Good afternoon.",
    "Speaking.",
    "Yes, hello?",
)
GREETINGS = (
    "Hi, you've reached Chris. I can't take your call right now, please leave a message after the tone.",
    "The person you are calling is not available. At the tone, please record your message.",
    "Hi, it's Alex, leave a message.",
    ("Hello, you have reached the Martinez family. We're not home right now. Please leave your name and "
     "number and we'll call you back."),
    "Hey, this is Jordan. Sorry I missed you. Leave a message and I'll get back to you.",
    "You have reached 555 0142. Please leave a message.",
    "Thank you for calling. No one is available to take your call. Please leave a message after the beep.",
    "This is Sam. Leave a message.",
    "Hi, Pat here. I'm away from the phone, leave a message.",
    ("The number you have dialed is not available. Please leave a message after the tone. When you are "
     "finished, hang up."),
    "Hello. I am not available right now. Please leave a message.",
    "Hi, you've got Taylor. Can't talk now, text me or leave a message.",
    "Welcome to the voice mailbox of Robin Lee. Please leave a message.",
    "Hi there, you've reached Morgan and Casey. Leave us a message and have a great day!",
)
QUICK = 6  # lines of each kind with --quick


@dataclass(frozen=True)
class Beep:
    """A voicemail beep: its pitch, length, the silence before it, and its loudness."""

    hz: float
    ms: int
    gap_s: float
    dbfs: float


BEEPS: tuple[Beep | None, ...] = (  # taken in turn, so each voice has its own mix
    Beep(1000, 500, 0.3, -18), Beep(440, 1000, 0.6, -20), None, Beep(1400, 200, 0.1, -16),
    Beep(850, 300, 0.9, -22), Beep(1200, 700, 0.4, -14), Beep(600, 400, 1.2, -20), None,
    Beep(950, 250, 0.2, -18), Beep(1100, 600, 0.5, -24), Beep(480, 800, 0.7, -16), None, Beep(1300, 350, 0.05, -20),
)
PERSON_LEAD_S = (0.3, 0.7, 1.5, 0.5, 1.1, 0.9, 0.4)  # from answering to their first word
MACHINE_LEAD_S = (0.2, 0.5, 0.8, 0.3, 0.6)
PERSON_WAIT_S = 4.0  # they wait this long for us after their hello
AFTER_S = 3.0  # silence after the beep (or the greeting), the mailbox recording


def tone(hz: float, ms: int, dbfs: float) -> bytes:
    """A pure tone with 5 ms ramps, `dbfs` loud (RMS)."""
    t = np.arange(SAMPLE_RATE * ms // 1000) / SAMPLE_RATE
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.005)
    return to_pcm(np.sqrt(2) * 10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t) * ramp)


def clips(voices: list[str], noise: list[str], quick: bool = False) -> list[dict]:
    """Every person and greeting in every voice and noise level, through the phone, with its times:
    the end of the words, and the beep's start and end."""
    people, greetings = (PEOPLE[:QUICK], GREETINGS[:QUICK]) if quick else (PEOPLE, GREETINGS)
    out = []
    for v, voice in enumerate(voices):
        for i, text in enumerate(people):
            pcm = silence(PERSON_LEAD_S[(i + v) % len(PERSON_LEAD_S)]) + trimmed(synthesize(text, voice))
            out += _variants(voice, noise, "person", text, pcm, silence(PERSON_WAIT_S), None, seed=i)
        for i, text in enumerate(greetings):
            pcm = silence(MACHINE_LEAD_S[(i + v) % len(MACHINE_LEAD_S)]) + trimmed(synthesize(text, voice))
            beep = BEEPS[(i + 5 * v) % len(BEEPS)]
            out += _variants(voice, noise, "machine", text, pcm, silence(AFTER_S), beep, seed=100 + i)
    return out


def _variants(voice: str, noise: list[str], kind: str, text: str, words: bytes, tail: bytes, beep: Beep | None,
              seed: int) -> list[dict]:
    """One clip per noise level: the words, then the beep (after its gap) if any, then `tail`."""
    sounds = np.flatnonzero(active_windows(telephone(words)))
    first, last = (int(sounds[0]), int(sounds[-1]) + 1) if sounds.size else (0, 0)
    pcm, beep_start, beep_end = words, None, None
    if beep is not None:
        pcm += silence(beep.gap_s)
        beep_start = len(pcm) / 2 / SAMPLE_RATE
        pcm += tone(beep.hz, beep.ms, beep.dbfs)
        beep_end = len(pcm) / 2 / SAMPLE_RATE
    phone = telephone(pcm + tail)
    meta = {"voice": voice, "kind": kind, "text": text, "words_start_s": first * WINDOW_S,
            "words_end_s": last * WINDOW_S, "beep_start_s": beep_start, "beep_end_s": beep_end,
            "beep": asdict(beep) if beep else None}
    return [meta | {"noise": level, "pcm": phone if level == "clean" else with_noise(phone, float(level), seed)}
            for level in noise]


def measure(config: Config, store: ModelStore, audio: list[dict]) -> list[dict]:
    """The VAD's speech decision on every frame of every clip, as a call makes it."""
    vad = load_engine(Role.VAD, config, store)
    options = turn_options(config.voice)
    out = []
    for clip in audio:
        turns, flags, speech = TurnDetector(options), vad.stream(), []
        for index, frame in enumerate(frames(clip["pcm"])):
            heard = turns.hears_speech(flags.feed(frame), vad.threshold, level_dbfs(frame))
            turns.feed(frame, heard, (index + 1) * FRAME_MS / 1000)
            speech.append(heard)
        out.append(clip | {"speech": speech})
    return out


def replay(measured: list[dict], options: AnsweringOptions) -> list[dict]:
    """What the detector heard on each clip, and when (seconds of audio: a frame counts at its end)."""
    out = []
    for clip in measured:
        detector, heard = AnsweringDetector(options), None
        for frame, speech in zip(frames(clip["pcm"]), clip["speech"], strict=True):
            news = detector.feed(frame, speech)
            if news in (Heard.PERSON, Heard.MACHINE):
                heard = news
        out.append({k: v for k, v in clip.items() if k not in ("pcm", "speech")}
                   | {"heard": heard, "decided_at_s": detector.decided_at_s, "recording_at_s": detector.recording_at_s,
                      "reason": detector.reason, "beep_heard": detector.beep_heard})
    return out


def score(results: list[dict]) -> dict:
    """Right answers by kind, the wait before greeting a person, and when the message would start."""
    people = [r for r in results if r["kind"] == "person"]
    machines = [r for r in results if r["kind"] == "machine"]
    beeped = [r for r in machines if r["beep"]]
    unbeeped = [r for r in machines if not r["beep"]]
    right_people = [r for r in people if r["heard"] == Heard.PERSON]
    right_machines = [r for r in machines if r["heard"] == Heard.MACHINE]
    when = {"before_start": 0, "during": 0, "after_end": 0, "never": 0}
    for r in beeped:
        at = r["recording_at_s"]
        when["never" if at is None else "before_start" if at < r["beep_start_s"] else
             "during" if at < r["beep_end_s"] else "after_end"] += 1
    early = sum(int(r["recording_at_s"] is not None and r["recording_at_s"] < r["words_end_s"]) for r in unbeeped)
    return {
        "people": len(people), "machines": len(machines),
        "person_accuracy": _share(len(right_people), len(people)),
        "machine_accuracy": _share(len(right_machines), len(machines)),
        "accuracy": _share(len(right_people) + len(right_machines), len(results)),
        "person_wait_ms": _percentiles([r["decided_at_s"] - r["words_end_s"] for r in right_people]),
        "machine_heard_ms": _percentiles([r["decided_at_s"] - r["words_start_s"] for r in right_machines]),
        "beep": {"clips": len(beeped), **when, "after_end_share": _share(when["after_end"], len(beeped)),
                 "after_end_ms": _percentiles([r["recording_at_s"] - r["beep_end_s"] for r in beeped
                                               if r["recording_at_s"] is not None
                                               and r["recording_at_s"] >= r["beep_end_s"]])},
        "no_beep": {"clips": len(unbeeped), "before_greeting_end": early,
                    "never": sum(r["recording_at_s"] is None for r in unbeeped),
                    "after_greeting_ms": _percentiles([r["recording_at_s"] - r["words_end_s"] for r in unbeeped
                                                       if r["recording_at_s"] is not None])},
    }


def summarise(results: list[dict], options: AnsweringOptions) -> dict:
    """Scores overall, by voice and noise, and by line; every mistake."""
    groups = sorted({(r["voice"], r["noise"]) for r in results})
    wrong = [r for r in results if r["heard"] != Heard(r["kind"])
             or (r["kind"] == "machine" and r["beep"] and not _after_beep(r))]
    return {
        "bench": "answering", "clips": len(results), "options": asdict(options),
        "overall": score(results),
        "by_voice_noise": {f"{v}/{n}": score([r for r in results if (r["voice"], r["noise"]) == (v, n)])
                           for v, n in groups},
        "mistakes": [{"voice": r["voice"], "noise": r["noise"], "kind": r["kind"], "text": r["text"][:40],
                      "beep": r["beep"], "heard": r["heard"], "decided_at_s": r["decided_at_s"],
                      "recording_at_s": r["recording_at_s"], "words_end_s": round(r["words_end_s"], 2),
                      "reason": r["reason"]} for r in wrong],
    }


def report(summary: dict) -> str:
    """A human table, then one JSON line."""
    o = summary["overall"]
    lines = [(f"{summary['clips']} answers: {o['people']} people, {o['machines']} machines "
              f"({o['beep']['clips']} with a beep, {o['no_beep']['clips']} without)"),
             (f"{'voice/noise':22} {'people':>7} {'machines':>9} {'all':>5} {'greet p50':>10} {'p95':>6} "
              f"{'after beep':>11} {'p50':>6} {'p95':>6} {'no beep p50':>12} {'p95':>6}")]
    for name, row in [*summary["by_voice_noise"].items(), ("overall", o)]:
        lines.append(f"{name:22} {_pct(row['person_accuracy']):>7} {_pct(row['machine_accuracy']):>9} "
                     f"{_pct(row['accuracy']):>5} {_ms(row['person_wait_ms']['p50']):>10} "
                     f"{_ms(row['person_wait_ms']['p95']):>6} {_pct(row['beep']['after_end_share']):>11} "
                     f"{_ms(row['beep']['after_end_ms']['p50']):>6} {_ms(row['beep']['after_end_ms']['p95']):>6} "
                     f"{_ms(row['no_beep']['after_greeting_ms']['p50']):>12} "
                     f"{_ms(row['no_beep']['after_greeting_ms']['p95']):>6}")
    beep = o["beep"]
    lines += [("(greet: ms from a person's last word to PERSON; after beep: share of beeps the message starts "
               "after, and ms after the beep's end; no beep: ms from the greeting's end to RECORDING; MACHINE came "
               f"p50 {_ms(o['machine_heard_ms']['p50'])} ms after a greeting's first word)"),
              (f"with a beep, the message would start: before the beep {beep['before_start']}, during it "
               f"{beep['during']}, after it {beep['after_end']}, never {beep['never']}; without a beep: before the "
               f"greeting ended {o['no_beep']['before_greeting_end']}, never {o['no_beep']['never']}")]
    for m in summary["mistakes"]:
        beep_text = f"{m['beep']['hz']:.0f} Hz {m['beep']['ms']} ms" if m["beep"] else "no beep"
        lines.append(f"  {m['kind']:7} [{m['voice']}/{m['noise']}] \"{m['text']}\" ({beep_text}): heard "
                     f"{m['heard'] or 'nothing'} at {m['decided_at_s']} s, recording at {m['recording_at_s']} s, "
                     f"words end {m['words_end_s']} s: {m['reason']}")
    return "\n".join(lines) + "\n" + json.dumps(summary, default=str)


def _after_beep(r: dict) -> bool:
    return r["recording_at_s"] is not None and r["recording_at_s"] >= r["beep_end_s"]


def _share(n: int, total: int) -> float | None:
    return round(n / total, 3) if total else None


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    return {"p50": round(float(np.percentile(values, 50)) * 1000),
            "p95": round(float(np.percentile(values, 95)) * 1000)}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _ms(value: float | None) -> str:
    return "-" if value is None else str(value)
