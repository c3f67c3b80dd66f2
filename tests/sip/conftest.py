"""Fixtures of the SIP lab: Kamailio, the agent under test, peer phones, test speech."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.audio import write_wav
from appliance.config import SipConfig
from appliance.lab.speech import espeak, silence
from appliance.sip.agent import SipAgent
from tests.sip.lab import EventLog, Kamailio, PeerPhone, free_port

AGENT_PASSWORD = "agent-secret-1"
USERS = {"agent": AGENT_PASSWORD, "staff": "staff-secret-2", "caller": "caller-secret-3"}


@pytest.fixture(scope="module")
def kamailio(tmp_path_factory):
    server = Kamailio(tmp_path_factory.mktemp("kamailio"), USERS)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def caller_wav(tmp_path_factory) -> Path:
    """Three seconds of caller speech after half a second of silence."""
    path = tmp_path_factory.mktemp("audio") / "caller.wav"
    write_wav(path, silence(0.5) + espeak("Hello, I would like to book an appointment please.") + silence(3))
    return path


@pytest.fixture(scope="session")
def agent_speech() -> bytes:
    return espeak("Thank you for calling Riverside Dental.", voice="en-us+f3")


class LegListener:
    """Takes a leg's frames on an event loop of its own, as the call loop would; with `echo`,
    sends every frame straight back."""

    def __init__(self, leg, loop: asyncio.AbstractEventLoop, frames: list[bytes], echo: bool = False) -> None:  # noqa: ANN001
        self.leg, self.frames, self.echo = leg, frames, echo
        loop.call_soon_threadsafe(leg.open, loop, self)

    def on_frame(self, arrived: float, pcm: bytes) -> None:
        self.frames.append(pcm)
        if self.echo:
            self.leg.write(pcm)

    def on_played(self, mark: str, at: float) -> None:
        pass

    def on_drained(self) -> None:
        pass

    def on_dtmf(self, digit: str) -> None:
        pass

    def on_transfer(self, event) -> None:  # noqa: ANN001
        pass

    def on_ended(self) -> None:
        pass


class AgentUnderTest:
    """A started `SipAgent` with its events logged and each answered call's frames collected."""

    def __init__(self, config: SipConfig, speech: bytes = b"") -> None:
        self.events = EventLog()
        self.legs = EventLog()
        self.received: dict[str, list[bytes]] = {}
        self.speech = speech
        self.echo = False
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.agent = SipAgent(config, on_event=self.events.add, on_call=self._on_call)
        self.agent.start()

    def _on_call(self, leg) -> None:  # noqa: ANN001
        self.legs.add(leg)
        LegListener(leg, self.loop, self.received.setdefault(leg.call_id, []), self.echo)
        if self.speech:
            leg.write(self.speech)

    def stop(self) -> None:
        self.agent.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture()
def agent_config(kamailio) -> SipConfig:
    return SipConfig(register=True, registrar=kamailio.address, user="agent", password=AGENT_PASSWORD,
                     bind_address="127.0.0.1", port=free_port(), rtp_port=free_port(), expiry_s=60,
                     allowed_sources=["127.0.0.1"], retry_min_s=0.5, retry_max_s=2.0)


@pytest.fixture()
def make_agent(agent_speech):
    started = []

    def make(config: SipConfig, **changes) -> AgentUnderTest:
        agent = AgentUnderTest(replace(config, **changes), agent_speech)
        started.append(agent)
        return agent
    yield make
    for agent in started:
        agent.stop()


@pytest.fixture()
def make_peer(tmp_path):
    started = []

    def make(*args: str, name: str = "peer") -> PeerPhone:
        peer = PeerPhone(*args, record_dir=tmp_path / name)
        started.append(peer)
        return peer
    yield make
    for peer in started:
        peer.stop()
