"""Each call decides on its own worker; the language model reads for one call at a time."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from appliance.errors import EngineError
from appliance.voice.hub import EngineHub, EngineStuckError
from appliance.voice.shared_llm import SharedLlm


class SlowLlm:
    """A model whose reading takes until `release` is set; it counts readings at once."""

    name = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.busy = 0
        self.most = 0

    def chat_json(self, messages, json_schema, *, max_tokens=None, time_budget_s=None, stop=None):  # noqa: ANN001, ANN201
        self.busy += 1
        self.most = max(self.most, self.busy)
        self.release.wait(5)
        self.busy -= 1
        return {"intent": "book"}

    def share_cores(self, sharing: bool) -> None:
        self.shared = sharing

    def close(self) -> None:
        pass


def _reading(shared: SharedLlm, **kwargs) -> dict:  # noqa: ANN003
    return shared.chat_json([], {}, **kwargs)


def test_readings_take_turns_and_one_that_cannot_start_in_its_budget_fails_as_out_of_time():
    llm = SlowLlm()
    shared = SharedLlm(llm, stuck_after_s=10.0)
    first = threading.Thread(target=_reading, args=(shared,))
    first.start()
    while not llm.busy:
        time.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(EngineError, match="busy with another call"):
        _reading(shared, time_budget_s=0.2)
    assert 0.2 <= time.monotonic() - started < 3.0
    with pytest.raises(EngineError, match="no longer needed"):
        _reading(shared, stop=lambda: True)
    shared.stuck_after_s = 0.0  # the reading in progress has held the model too long
    with pytest.raises(EngineError, match="not answering"):
        _reading(shared)
    shared.stuck_after_s = 10.0
    second = threading.Thread(target=_reading, args=(shared,))
    second.start()
    llm.release.set()
    first.join(5)
    second.join(5)
    assert llm.most == 1, "the model read for two calls at once"


def test_a_call_decided_by_the_rules_does_not_wait_for_another_calls_reading():
    llm = SlowLlm()
    hub = EngineHub(None, None, None, llm)
    reading, rules = hub.lane(), hub.lane()

    async def both() -> float:
        slow = asyncio.ensure_future(hub.decide(reading, _reading, hub.reading))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        assert await hub.decide(rules, lambda: "goodbye", timeout=1.0) == "goodbye"
        took = time.monotonic() - started
        llm.release.set()
        assert await slow == {"intent": "book"}
        return took

    try:
        assert asyncio.run(both()) < 0.5
    finally:
        llm.release.set()
        hub.close()


def test_a_reading_that_hangs_marks_the_model_stuck_and_a_hung_decision_its_lane_until_they_return():
    llm = SlowLlm()
    hub = EngineHub(None, None, None, llm, llm_timeout_s=0.2)
    lane, other = hub.lane(), hub.lane()

    async def decide(on, fn, *args) -> object:  # noqa: ANN001
        return await hub.decide(on, fn, *args, timeout=0.1)

    with pytest.raises(EngineStuckError):
        asyncio.run(decide(lane, _reading, hub.reading))
    with pytest.raises(EngineStuckError, match="still busy"):
        asyncio.run(decide(lane, lambda: "goodbye"))  # this call's next decision fails at once
    assert asyncio.run(decide(other, lambda: "goodbye")) == "goodbye"  # another call's rules go on
    time.sleep(0.2)
    assert "llm" in hub.stuck
    with pytest.raises(EngineError, match="not answering"):
        _reading(hub.reading)  # ...and its readings fail at once
    llm.release.set()
    lane.submit(lambda: None).result(5)  # the hung reading has returned
    assert "llm" not in hub.stuck
    assert asyncio.run(decide(lane, lambda: "goodbye")) == "goodbye"
    hub.close()


def test_with_more_than_one_call_in_progress_the_model_reads_sharing_the_cores():
    llm = SlowLlm()
    llm.release.set()
    hub = EngineHub(None, None, None, llm)
    try:
        hub.call_began()
        _reading(hub.reading)
        assert llm.shared is False
        hub.call_began()
        _reading(hub.reading)
        assert llm.shared is True
        hub.call_ended()
        _reading(hub.reading)
        assert llm.shared is False
    finally:
        hub.close()
