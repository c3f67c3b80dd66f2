"""Chat with a GGUF model through llama-cpp-python.

- The prompt is formatted with the model's own chat template (any GGUF works), falling
  back to ChatML when the file has none.
- The KV cache is reused: llama.cpp keeps the evaluated tokens, and a new prompt that
  starts with them (same system prompt, same conversation so far) evaluates only the rest.
  `LlmStats.cached_tokens` reports how many prompt tokens were reused.
- JSON-schema constrained output through a grammar.
- A hard token and wall-time budget per reply; `close()` stops a reply mid-stream.
One model instance serves one reply at a time (a lock serialises callers).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from appliance.errors import EngineError
from appliance.models.protocols import ChatMessage, LlmStats

CHATML = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


class LlamaLlm:
    """A loaded GGUF chat model."""

    def __init__(self, path: Path, name: str = "llm", device: str = "cpu", threads: int = 2,
                 context_tokens: int = 2048, max_tokens: int = 96, time_budget_s: float = 4.0,
                 temperature: float = 0.2) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = name
        self.max_tokens = max_tokens
        self.time_budget_s = time_budget_s
        self.temperature = temperature
        self.threads = threads
        self._sharing = False  # other engines run beside the model: it reads on one thread
        self._applied = threads  # the threads llama.cpp was last told
        self._lock = threading.Lock()
        try:
            self._llm = Llama(model_path=str(path), n_ctx=context_tokens, n_threads=threads,
                              n_threads_batch=threads, n_gpu_layers=-1 if device == "cuda" else 0,
                              verbose=False)
        except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError or RuntimeError
            raise EngineError(f"llama.cpp could not load {path}: {exc}") from exc
        eos_id, bos_id = self._llm.token_eos(), self._llm.token_bos()
        text = self._llm._model.token_get_text  # noqa: SLF001 - the only way to get token text
        self._formatter = Jinja2ChatFormatter(
            template=self._llm.metadata.get("tokenizer.chat_template") or CHATML,
            eos_token=text(eos_id) if eos_id != -1 else "",
            bos_token=text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id] if eos_id != -1 else None,
        )

    def share_cores(self, sharing: bool) -> None:
        """Other calls' engines run beside the next replies: one thread then, else the configured
        number. llama.cpp's threads wait for each other spinning, so a core taken by another
        engine slows every step several-fold (a request read in 8.4 s, median, on 2 threads
        beside a busy recogniser on 2 cores; 3.2 s on one)."""
        self._sharing = sharing

    def _use_threads(self) -> None:
        """Tell llama.cpp the threads to use now (holding the lock)."""
        wanted = 1 if self._sharing else self.threads
        if wanted != self._applied:
            self._llm._ctx.set_n_threads(wanted, wanted)  # noqa: SLF001 - not exposed otherwise
            self._applied = wanted

    def chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
             time_budget_s: float | None = None, json_schema: dict[str, Any] | None = None,
             stop: Callable[[], bool] | None = None) -> "LlamaReply":
        """Start a streaming reply; iterate it for text pieces."""
        return LlamaReply(self, messages, max_tokens or self.max_tokens,
                          time_budget_s or self.time_budget_s, json_schema, stop)

    def chat_json(self, messages: Sequence[ChatMessage], json_schema: dict[str, Any], *,
                  max_tokens: int | None = None, time_budget_s: float | None = None,
                  stop: Callable[[], bool] | None = None) -> dict[str, Any]:
        """A reply constrained to `json_schema`, parsed into a dict."""
        reply = self.chat(messages, max_tokens=max_tokens, time_budget_s=time_budget_s,
                          json_schema=json_schema, stop=stop)
        text = "".join(reply)
        try:
            value = json.loads(text)
        except ValueError:
            assert reply.stats is not None
            raise EngineError(f"the model's JSON was cut short ({reply.stats.stop_reason}, "
                              f"{len(text)} characters)") from None  # its text: the caller's words
        if not isinstance(value, dict):
            raise EngineError(f"the model returned {type(value).__name__}, not an object")
        return value

    def prompt_tokens(self, messages: Sequence[ChatMessage]) -> tuple[list[int], Any]:
        """The tokens of the formatted prompt and the formatter's stop settings."""
        result = self._formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
        tokens = self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special,
                                    special=True)
        return tokens, result

    def close(self) -> None:
        """Free the model."""
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None


class LlamaReply:
    """One streaming reply. Iterating runs generation; `stats` is set when it ends."""

    def __init__(self, engine: LlamaLlm, messages: Sequence[ChatMessage], max_tokens: int,
                 time_budget_s: float, json_schema: dict[str, Any] | None,
                 stop: Callable[[], bool] | None = None) -> None:
        self._engine = engine
        self._stop = stop
        self._messages = list(messages)
        self._max_tokens = max_tokens
        self._budget = time_budget_s
        self._schema = json_schema
        self._closed = False
        self.stats: LlmStats | None = None

    def close(self) -> None:
        """Stop generating at the next token."""
        self._closed = True

    def __iter__(self) -> Iterator[str]:
        engine = self._engine
        with engine._lock:  # noqa: SLF001
            llm = engine._llm  # noqa: SLF001
            if llm is None:
                raise EngineError("the language model was closed")
            engine._use_threads()  # noqa: SLF001
            start = time.monotonic()
            tokens, fmt = engine.prompt_tokens(self._messages)
            if len(tokens) + self._max_tokens > llm.n_ctx():
                raise EngineError(f"prompt of {len(tokens)} tokens does not fit the "
                                  f"{llm.n_ctx()}-token context")
            cached = _common_prefix(llm._input_ids, tokens)  # noqa: SLF001
            grammar = None
            if self._schema is not None:
                from llama_cpp import LlamaGrammar

                grammar = LlamaGrammar.from_json_schema(json.dumps(self._schema), verbose=False)
            first = 0.0
            count = 0
            reason = "stop"
            try:
                stream = llm.create_completion(
                    prompt=tokens, max_tokens=self._max_tokens, temperature=engine.temperature,
                    stop=fmt.stop, stopping_criteria=fmt.stopping_criteria, grammar=grammar,
                    stream=True,
                )
                for chunk in stream:
                    choice = chunk["choices"][0]
                    piece = choice.get("text") or ""
                    if piece:
                        count += 1
                        first = first or time.monotonic() - start
                        yield piece
                    if choice.get("finish_reason") == "length":
                        reason = "max_tokens"
                    if self._closed or (self._stop is not None and self._stop()):
                        reason = "closed"
                        break
                    if time.monotonic() - start > self._budget:
                        reason = "time_budget"
                        break
                stream.close()
            except EngineError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise EngineError(f"llama.cpp failed mid-reply: {exc}") from exc
            finally:
                self.stats = LlmStats(
                    prompt_tokens=len(tokens), cached_tokens=cached, completion_tokens=count,
                    first_token_s=first, total_s=time.monotonic() - start, stop_reason=reason,
                )


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
