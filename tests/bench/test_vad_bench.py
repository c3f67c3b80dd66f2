"""The voice activity benchmark on made-up turns (never the benchmark's own), with the real models."""

from __future__ import annotations

import json

from appliance.audio import trimmed
from appliance.bench.vad import measure, noise_clips, report, summarise
from appliance.lab.voices import synthesize, telephone
from tests.speech import silence


def turn(text: str, voice: str) -> dict:
    phone = telephone(silence(1.0) + trimmed(synthesize(text, voice)) + silence(1.0))
    return {"voice": voice, "noise": "clean", "clean": phone, "pcm": phone, "start_s": 1.0}


def test_a_vad_that_notices_a_phone_voice_late_is_seen_losing_its_first_words(config, store):
    turns = [turn(text, "flite-awb") for text in ("The first one, please.", "Yes, it's for me.",
                                                   "Sure, go ahead.", "Half past two works.")]
    results = measure(config, store, ["silero-vad-v5", "silero-vad-v6"], turns, noise_clips()[:1])
    summary = summarise(results)["models"]
    assert summary["silero-vad-v5"]["never_started"] + summary["silero-vad-v5"]["first_sound_lost"] == 0
    assert summary["silero-vad-v6"]["never_started"] + summary["silero-vad-v6"]["first_sound_lost"] >= 2
    assert summary["silero-vad-v5"]["recall"] > summary["silero-vad-v6"]["recall"]
    assert summary["silero-vad-v5"]["false_starts"] == 0
    lines = report(summarise(results)).splitlines()
    assert lines[0].startswith("model") and json.loads(lines[-1])["bench"] == "vad"
