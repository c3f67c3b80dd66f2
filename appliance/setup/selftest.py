"""The last set-up check, "call yourself": the appliance answers a scripted call on loopback and replies."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from appliance.config import Config
from appliance.errors import ApplianceError
from appliance.lab.demo import loopback_config
from appliance.lab.scripted_call import CallResult, run_script
from appliance.service import ApplianceService
from appliance.setup.result import SelfTestResult

SELF_TEST_LINE = "What are your opening hours?"


def self_test(config: Config, line: str = SELF_TEST_LINE, timeout_s: float = 30.0) -> SelfTestResult:
    """Start the service with `config` on loopback (no registration, a free port, a scratch store),
    call it and say `line`; ok when the agent answered and replied. Takes the models' load time."""
    with tempfile.TemporaryDirectory(prefix="appliance-self-test-") as workdir:
        try:
            call = asyncio.run(_call(loopback_config(config, Path(workdir)), line, timeout_s))
        except ApplianceError as exc:
            return SelfTestResult(False, f"the appliance could not start: {exc.args[0]}", str(exc))
        except AssertionError as exc:  # run_script's waits give up this way
            return SelfTestResult(False, "the appliance did not answer the test call in time", str(exc))
    return _judged(call, line)


async def _call(config: Config, line: str, timeout_s: float) -> CallResult:
    service = ApplianceService(config)
    try:
        await service.start()
        return await run_script(service, [line], config.paths.data, timeout_s=timeout_s)
    finally:
        await service.stop()


def _judged(call: CallResult, line: str) -> SelfTestResult:
    said = [text for speaker, text in call.transcript if speaker == "agent"]
    latency = call.latencies_ms[0] if call.latencies_ms else None
    heard = {"detail": "\n".join(f"{speaker}: {text}" for speaker, text in call.transcript),
             "transcript": call.transcript}
    if not said:
        return SelfTestResult(False, "the appliance took the call but said nothing", **heard)
    if len(said) < 2:
        return SelfTestResult(False, f"the appliance answered but did not reply to {line!r}", **heard)
    took = f" in {latency / 1000:.1f} s" if latency is not None else ""
    return SelfTestResult(True, f"the appliance answered and replied{took}", latency_ms=latency, **heard)
