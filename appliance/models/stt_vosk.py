"""Speech to text with Vosk (Kaldi): true streaming, partials on every frame, any language."""

from __future__ import annotations

import json
from pathlib import Path

from appliance.errors import EngineError
from appliance.models.protocols import SAMPLE_RATE, Expected, Spelling, SttResult


class VoskStt:
    """A loaded Vosk model folder."""

    def __init__(self, path: Path, name: str = "vosk") -> None:
        import vosk

        vosk.SetLogLevel(-1)
        self.name = name
        self._vosk = vosk
        try:
            self._model = vosk.Model(str(path))
        except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception
            raise EngineError(f"vosk could not load {path}: {exc}") from exc

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> "VoskStream":
        """Start a new utterance (the context hint, `letters` and `expected` are not used)."""
        recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        recognizer.SetWords(True)
        return VoskStream(recognizer)

    def close(self) -> None:
        """Drop the model."""
        self._model = None


class VoskStream:
    """One utterance; Kaldi's own segment ends inside it are joined into one text."""

    def __init__(self, recognizer) -> None:  # noqa: ANN001 - vosk.KaldiRecognizer
        self._rec = recognizer
        self._texts: list[str] = []
        self._confs: list[float] = []
        self._bytes = 0
        self._last_partial = ""

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Add audio; return a partial result when the hypothesis changed."""
        self._bytes += len(pcm)
        if self._rec.AcceptWaveform(pcm):
            self._take(json.loads(self._rec.Result()))
            partial = ""
        else:
            partial = json.loads(self._rec.PartialResult()).get("partial", "")
        text = " ".join([*self._texts, partial]).strip()
        if not text or text == self._last_partial:
            return []
        self._last_partial = text
        return [SttResult(text, self._confidence(), False, self._bytes / 2 / SAMPLE_RATE)]

    def finish(self) -> SttResult:
        """Flush the recogniser and return the whole utterance."""
        self._take(json.loads(self._rec.FinalResult()))
        text = " ".join(self._texts).strip()
        return SttResult(text, self._confidence() if text else 0.0, True, self._bytes / 2 / SAMPLE_RATE)

    def _take(self, result: dict) -> None:
        if result.get("text"):
            self._texts.append(result["text"])
            self._confs += [w.get("conf", 0.0) for w in result.get("result", [])]

    def _confidence(self) -> float:
        return sum(self._confs) / len(self._confs) if self._confs else 0.5
