"""Load the engine for a role: the model comes from the store, the adapter from its engine name."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from appliance.config import Config
from appliance.errors import EngineError, ModelError
from appliance.models.device import pick_device
from appliance.models.manifest import Engine, ModelEntry, Role
from appliance.models.store import ModelStore

log = logging.getLogger(__name__)


def model_store(config: Config) -> ModelStore:
    """The models folder named by the config."""
    return ModelStore(config.paths.models)


def load_engine(role: Role, config: Config, store: ModelStore | None = None, name: str = "") -> Any:
    """Load the model for `role` (named, else the config's choice, else the manifest default).

    Without `name`, an STT engine comes with the config's `stt_fallback` model behind it (either
    answers alone when the other cannot be loaded)."""
    store = store or model_store(config)
    backup = config.models.stt_fallback if role == Role.STT and not name else ""
    try:
        entry, path = store.resolve(role, name or getattr(config.models, str(role)))
        engine = _load(entry, path, config)
    except (ModelError, EngineError) as exc:
        if not backup:
            raise
        log.error("the STT model could not be loaded (%s): the fallback %s answers alone", exc, backup)
        return _load(*store.resolve(Role.STT, backup), config)
    if backup and backup != entry.name:
        from appliance.models.stt_fallback import FallbackStt

        try:
            return FallbackStt(engine, _load(*store.resolve(Role.STT, backup), config))
        except (ModelError, EngineError) as exc:
            log.error("the STT fallback %s could not be loaded (%s): %s answers alone", backup, exc, entry.name)
    return engine


def _load(entry: ModelEntry, path: Path | None, config: Config) -> Any:
    started = time.monotonic()
    engine = _build(entry, path, config)
    log.info("loaded %s model %s (%s) in %.2f s", entry.role, entry.name, entry.engine,
             time.monotonic() - started)
    return engine


def _build(entry: ModelEntry, path: Path | None, config: Config) -> Any:
    device = pick_device(config.engines.device, entry.engine)
    threads = config.engines.threads
    if entry.engine == Engine.FASTER_WHISPER:
        from appliance.models.stt_whisper import WhisperStt

        return WhisperStt(path, entry.name, device, threads, entry.language,
                          config.stt.partial_interval_s, config.stt.beam_size, config.stt.window_s,
                          config.stt.use_hint)
    if entry.engine == Engine.MOONSHINE:
        from appliance.models.stt_moonshine import MoonshineStt

        return MoonshineStt(path, entry.name)
    if entry.engine == Engine.VOSK:
        from appliance.models.stt_vosk import VoskStt

        return VoskStt(path, entry.name)
    if entry.engine == Engine.POCKETSPHINX:
        from appliance.models.stt_pocketsphinx import PocketsphinxStt

        return PocketsphinxStt(entry.name)
    if entry.engine == Engine.LLAMA_CPP:
        from appliance.models.llm_llama import LlamaLlm

        llm = config.llm
        return LlamaLlm(path, entry.name, device, threads, llm.context_tokens, llm.max_tokens,
                        llm.time_budget_s, llm.temperature)
    if entry.engine == Engine.PIPER:
        from appliance.models.tts_piper import PiperTts

        return PiperTts(path, entry.name, device, config.tts.length_scale)
    if entry.engine == Engine.SILERO:
        from appliance.models.vad_silero import SileroVad

        return SileroVad(path, entry.name, config.vad.threshold)
    if entry.engine == Engine.WEBRTC:
        from appliance.models.vad_webrtc import WebrtcVad

        return WebrtcVad(entry.name, config.vad.aggressiveness, config.vad.threshold)
    if entry.engine == Engine.SMART_TURN:
        from appliance.models.turn_smart import SmartTurn

        return SmartTurn(path, entry.name)
    raise EngineError(f"no adapter for engine {entry.engine}")
