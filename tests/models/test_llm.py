"""The llama.cpp adapter: streaming, KV-cache reuse, JSON schema, budgets."""

import pytest

from appliance.errors import EngineError
from appliance.models.engines import load_engine
from appliance.models.manifest import Role
from appliance.models.protocols import ChatMessage

SYSTEM = ChatMessage("system", "You are the receptionist of Riverside Dental. Open Monday to "
                     "Friday 8 to 6. Answer in one short sentence.")
INTENT_SCHEMA = {
    "type": "object",
    "properties": {"intent": {"type": "string", "enum": ["book", "cancel", "hours", "human", "other"]}},
    "required": ["intent"],
}


def test_reply_streams_in_pieces_with_stats(fast_llm):
    reply = fast_llm.chat([SYSTEM, ChatMessage("user", "When are you open?")], max_tokens=24)
    pieces = list(reply)
    assert len(pieces) > 1 and "".join(pieces).strip()
    stats = reply.stats
    assert stats.completion_tokens == len(pieces) and stats.prompt_tokens > 20
    assert 0 < stats.first_token_s <= stats.total_s


def test_system_prompt_is_reused_from_the_cache(fast_llm):
    first = fast_llm.chat([SYSTEM, ChatMessage("user", "Hello!")], max_tokens=4)
    list(first)
    second = fast_llm.chat([SYSTEM, ChatMessage("user", "Do you open on Saturday?")], max_tokens=4)
    list(second)
    assert second.stats.cached_tokens >= 25, "the system prompt was evaluated again"
    assert second.stats.cached_tokens < second.stats.prompt_tokens


def test_json_schema_output_is_valid(fast_llm):
    value = fast_llm.chat_json([SYSTEM, ChatMessage("user", "I want to cancel my visit.")],
                               INTENT_SCHEMA, max_tokens=32)
    assert value["intent"] in INTENT_SCHEMA["properties"]["intent"]["enum"]


def test_a_model_sharing_the_cores_reads_on_one_thread(fast_llm):
    said = [SYSTEM, ChatMessage("user", "I want to cancel my visit.")]
    enum = INTENT_SCHEMA["properties"]["intent"]["enum"]
    fast_llm.share_cores(True)
    try:
        assert fast_llm.chat_json(said, INTENT_SCHEMA, max_tokens=32)["intent"] in enum
        assert fast_llm._applied == 1  # noqa: SLF001
    finally:
        fast_llm.share_cores(False)
    fast_llm.chat_json(said, INTENT_SCHEMA, max_tokens=32)
    assert fast_llm._applied == fast_llm.threads  # noqa: SLF001


def test_token_budget_stops_the_reply(fast_llm):
    reply = fast_llm.chat([SYSTEM, ChatMessage("user", "Tell me a long story about teeth.")],
                          max_tokens=5)
    list(reply)
    assert reply.stats.stop_reason == "max_tokens" and reply.stats.completion_tokens <= 5


def test_time_budget_stops_the_reply(fast_llm):
    reply = fast_llm.chat([SYSTEM, ChatMessage("user", "Tell me a long story about teeth.")],
                          max_tokens=400, time_budget_s=0.3)
    list(reply)
    assert reply.stats.stop_reason == "time_budget" and reply.stats.total_s < 2.0


def test_close_stops_mid_stream(fast_llm):
    reply = fast_llm.chat([SYSTEM, ChatMessage("user", "Count from one to fifty.")], max_tokens=200)
    received = []
    for piece in reply:
        received.append(piece)
        if len(received) == 3:
            reply.close()
    assert reply.stats.stop_reason == "closed" and len(received) <= 4


def test_a_reply_nobody_needs_any_more_stops_at_its_next_token(fast_llm):
    received = []
    reply = fast_llm.chat([SYSTEM, ChatMessage("user", "Count from one to fifty.")], max_tokens=200,
                          stop=lambda: len(received) >= 2)
    received.extend(reply)
    assert reply.stats.stop_reason == "closed" and len(received) <= 3


def test_cut_json_is_an_engine_error(fast_llm):
    with pytest.raises(EngineError, match="cut short"):
        fast_llm.chat_json([SYSTEM, ChatMessage("user", "hi")], INTENT_SCHEMA, max_tokens=2)


def test_prompt_larger_than_the_context_is_refused(fast_llm):
    huge = ChatMessage("user", "tooth " * 5000)
    with pytest.raises(EngineError, match="does not fit"):
        list(fast_llm.chat([SYSTEM, huge]))


@pytest.mark.slow
def test_default_model_classifies_intents(config, store):
    """The embedded Qwen model, constrained to a schema, on plain front-desk requests."""
    llm = load_engine(Role.LLM, config, store)
    system = ChatMessage("system", "Classify the caller's request for a dental clinic's front "
                         "desk. book = make an appointment, cancel = cancel one, hours = opening "
                         "times, human = wants a person.")
    cases = {"I'd like to make an appointment for a cleaning.": "book",
             "Please cancel my appointment tomorrow.": "cancel",
             "Can I talk to a real person?": "human"}
    try:
        right = sum(llm.chat_json([system, ChatMessage("user", text)], INTENT_SCHEMA,
                                  time_budget_s=30)["intent"] == want for text, want in cases.items())
    finally:
        llm.close()
    assert right >= 2
