"""`appliance bench names`: names said, then spelled letter by letter, over a phone line.

Thirty full names (none of them the conversation benchmark's callers) are said, then spelled,
first name and last, in each caller voice through the telephone channel, clean and with pink
noise, and recognised by the configured STT with the call's own hint for each step. Each is
then read four ways: the name heard alone; the spelling replacing a name part it looks like
(the rule before); the way the dialogue reads it (`dialogue.identity.respelled`: the word
heard and its spelling weighed together, rhyming letters nearly alike, census names); and that
reading after the check a new patient hears where a part read is like no word heard for it
("Just to check, is your name Imran Khan?", `name_spelling.heard_instead`), the caller's yes
or no taken as true: a yes the name as heard, a no the reading (the checks asked are counted).
Right means the store would take it for that person (`crm.names.same_person_name`). Prints
the share right per voice and noise level for each way, and one JSON line.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from appliance.audio import frames
from appliance.bench.stt import CLINIC, PAD_S
from appliance.config import Config
from appliance.crm.names import part_matches, same_person_name
from appliance.dialogue.name_spelling import NameSpelling, heard_instead, load_lists, respelled
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.state import Step
from appliance.dialogue.understand import capitalised, extract_name
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone, with_noise
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.store import ModelStore

NAMES = (
    ("Bridget", "Thompson"), ("Thomas", "Okonkwo"), ("Olga", "Ivanova"), ("Kevin", "Fitzgerald"),
    ("Aisha", "Yamamoto"), ("Marcus", "Haddad"), ("Yuki", "Novak"), ("Fatima", "Patterson"),
    ("Dmitri", "Schneider"), ("Ingrid", "Kapoor"), ("Rajesh", "Dubois"), ("Chloe", "McKenzie"),
    ("Oscar", "Alvarez"), ("Beatrice", "Bergstrom"), ("Tariq", "Chowdhury"), ("Nora", "Donnelly"),
    ("Felix", "Esposito"), ("Wendy", "Garber"), ("Ezra", "Hoffmann"), ("Mei", "Jablonski"),
    ("Gustavo", "Keller"), ("Harriet", "Larsen"), ("Kwame", "Mahoney"), ("Lena", "Nakamura"),
    ("Boris", "Oyelaran"), ("Tanya", "Pereira"), ("Hugo", "Quinlan"), ("Amara", "Rasmussen"),
    ("Pablo", "Sokolov"), ("Zoe", "Tran"),
)
WAYS = ("heard", "spelling replaces", "weighed", "checked")


def clips(voices: list[str], noise: list[str]) -> list[dict]:
    """Each name said, its first name spelled and its last, in every voice and noise level."""
    out = []
    for voice in voices:
        for index, (first, last) in enumerate(NAMES):
            lines = {Step.NAME: f"{first} {last}.", Step.SPELL_FIRST: " ".join(first.upper()) + ".",
                     Step.SPELL: " ".join(last.upper()) + "."}
            phone = {step: telephone(silence(PAD_S[0]) + synthesize(text, voice) + silence(PAD_S[1]))
                     for step, text in lines.items()}
            for level in noise:
                pcm = {step: audio if level == "clean" else with_noise(audio, float(level), seed=index)
                       for step, audio in phone.items()}
                out.append({"voice": voice, "noise": level, "name": f"{first} {last}", "pcm": pcm})
    return out


def measure(config: Config, store: ModelStore, audio: list[dict]) -> list[dict]:
    """What the configured recogniser heard at each step, and each way's reading of the name."""
    engine = load_engine(Role.STT, config, store)
    load_lists()  # as the service does at start, not in the first spelling's decode
    rows = []
    try:
        for clip in audio:
            heard = {}
            for step, pcm in clip["pcm"].items():  # the name first: its words are the spellings' candidates
                spelled = NameSpelling.asked(step, extract_name(heard.get(Step.NAME, "")) or "")
                stream = engine.stream(CLINIC.hint(step), letters=spelled)
                for frame in frames(pcm):
                    stream.feed(frame)
                heard[step] = stream.finish().text
            names = {way: read(heard) for way, read in READERS.items()}
            names["checked"], asked = checked(names["heard"], names["weighed"], clip["name"])
            rows.append({"voice": clip["voice"], "noise": clip["noise"], "name": clip["name"],
                         "heard": {str(k): v for k, v in heard.items()}, "read": names,
                         "asked": asked,
                         "right": {way: same_person_name(r, clip["name"]) for way, r in names.items()}})
    finally:
        engine.close()
    return rows


def _spelled(heard: dict, reading: Callable[[str, str, bool], str]) -> str:
    name = extract_name(heard[Step.NAME]) or ""
    for step, first in ((Step.SPELL_FIRST, True), (Step.SPELL, False)):
        letters = spelled_word(heard[step], asked=True)
        if letters is not None:
            name = reading(name, letters, first)
    return name


def _replaced(name: str, spelled: str, first: bool) -> str:
    """The rule before: the spelling replaces the part it looks like (rapidfuzz ratio 50)."""
    parts, spelled = name.split(), capitalised(spelled.lower())
    index = 0 if first else -1
    if not parts:
        return spelled
    if part_matches(spelled.lower(), parts[index].lower(), 50):
        parts[index] = spelled
    return " ".join(parts)


def checked(said: str, read: str, name: str) -> tuple[str, bool]:
    """The weighed reading `read` after the check of the name as heard (`said`), where a part is
    like no word heard for it, the caller (whose name is `name`) answering truly; and whether it
    was asked."""
    instead = heard_instead(said, read)
    return (instead if instead and same_person_name(instead, name) else read), bool(instead)


READERS: dict[str, Callable[[dict], str]] = {
    "heard": lambda heard: extract_name(heard[Step.NAME]) or "",
    "spelling replaces": lambda heard: _spelled(heard, _replaced),
    "weighed": lambda heard: _spelled(heard, respelled),
}


def summarise(rows: list[dict]) -> dict:
    """Names right per way, and the checks asked, overall and per voice/noise."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(f"{row['voice']}/{row['noise']}", []).append(row)
    groups["all"] = rows
    return {key: {"names": len(group), **{way: sum(r["right"][way] for r in group) for way in WAYS},
                  "checks": sum(r["asked"] for r in group)} for key, group in groups.items()}


def report(summary: dict, rows: list[dict]) -> str:
    """A human table (names right of those said, per way) and one JSON line."""
    lines = [f"{'voice/noise':26} {'names':>5} " + " ".join(f"{way:>18}" for way in WAYS) + f" {'checks asked':>13}"]
    for key, s in summary.items():
        lines.append(f"{key:26} {s['names']:>5} " + " ".join(f"{s[way]:>18}" for way in WAYS) + f" {s['checks']:>13}")
    wrong = [r for r in rows if not r["right"]["weighed"]][:10]
    lines += ["some names read wrong (said -> read):",
              *(f"  {r['name']} [{r['voice']}/{r['noise']}] -> {r['read']['weighed'] or '(nothing)'}" for r in wrong)]
    return "\n".join([*lines, json.dumps({"bench": "names", "by_voice_noise": summary}, sort_keys=True)])
