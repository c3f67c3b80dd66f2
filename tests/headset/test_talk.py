"""`appliance talk` end to end on a real sound server: a synthesized caller speaks into the
microphone, the agent (real models) answers on the speaker, the transcript is printed, and the
call is logged as a test call; without --book nothing it writes reaches the live store."""

from __future__ import annotations

import re
import signal
from sqlcipher3 import dbapi2 as sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from appliance.crm.db import open_store
from appliance.headset.errors import NO_DEVICE_MESSAGE, NoAudioDeviceError
from appliance.lab.demo import DEMO_CLINIC, seed_demo_store
from appliance.lab.speech import espeak, silence
from tests.headset.sound import SoundServer, has_sound_card, no_sound_env
from tests.headset.test_transport import loud_seconds

CALLER_VOICE = "en-gb"  # espeak-ng; the agent speaks with a Piper voice


class Talk:
    """`appliance talk` in a subprocess; its output lines collected as they come."""

    def __init__(self, config: Path, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "appliance", "--config", str(config), "talk", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True)
        self.reader.start()

    def agent(self) -> list[str]:
        """What the agent said so far."""
        return [line for line in self.lines if line.startswith("Agent:")]

    def wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"no {what}; output so far:\n{''.join(self.lines)}")
            time.sleep(0.05)

    def say(self, server: SoundServer, text: str, timeout: float = 60) -> str:
        """Say `text` once the agent has finished, then return the agent's answer: the first reply
        not cut off (the turn may end at a comma, and an answer begun there is taken back when the
        caller goes on; the turn is then answered whole)."""
        before = len(self.agent())
        server.play(espeak(text, voice=CALLER_VOICE) + silence(0.2))
        self.wait(lambda: self.answers(before), timeout, f"answer to {text!r}")
        return self.answers(before)[0]

    def answers(self, before: int) -> list[str]:
        """What the agent said to its end after its first `before` lines."""
        return [line for line in self.agent()[before:] if not line.rstrip().endswith("(interrupted)")]

    def leave_number(self, server: SoundServer) -> str:
        """Say the callback number; asked again (a digit not heard: "212-348-679"), say it digit by
        digit, as a caller would. The agent's answer."""
        passed = self.say(server, "Two one two, three four eight, six seven oh nine.")
        if "again" in passed.lower():
            passed = self.say(server, "Two, one, two, three, four, eight, six, seven, zero, nine.")
        return passed

    def stop(self) -> int:
        """End the call as the front desk's Stop button does (SIGTERM); return the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(60)
        self.reader.join(5)
        return code


@pytest.fixture()
def clinic(tmp_path) -> Path:
    """A settings file for the demo clinic, its store seeded; models from the project's folder."""
    data = tmp_path / "data"
    seed_demo_store(open_store(data / "appliance.db"))
    config = tmp_path / "appliance.toml"
    config.write_text(f'[clinic]\nname = "{DEMO_CLINIC.name}"\ntimezone = "{DEMO_CLINIC.timezone}"\n'
                      f'hours = "{DEMO_CLINIC.hours}"\n[paths]\ndata = "{data}"\n')
    return config


def counts(store: Path) -> dict[str, int]:
    db = sqlite3.connect(store)
    try:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                for table in ("appointments", "messages", "handovers", "contacts")}
    finally:
        db.close()


def run_env(server: SoundServer, tmp_path: Path) -> dict[str, str]:
    """The sound server's environment, with temporary files in a folder of the test's."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return {**server.client_env(), "TMPDIR": str(scratch)}


@pytest.mark.slow
def test_a_test_call_answers_from_the_live_settings_and_keeps_nothing(sound_server, clinic, tmp_path):
    store = clinic.parent / "data" / "appliance.db"
    before = counts(store)
    env = run_env(sound_server, tmp_path)
    started = time.monotonic()
    with sound_server.recording() as recorded:
        talk = Talk(clinic, ["--seconds", "240"], env)
        talk.wait(lambda: len(talk.agent()) == 1, 120, "greeting")
        greeted = time.monotonic()
        hours = talk.say(sound_server, "What are your opening hours?")
        asked = talk.say(sound_server, "I would like to leave a message.")
        who = talk.say(sound_server, "Please call me back tomorrow morning.")
        spell = talk.say(sound_server, "Tom Baker.")
        number = talk.say(sound_server, "B, A, K, E, R.")
        passed = talk.leave_number(sound_server)
        assert talk.stop() == 0
    output = "".join(talk.lines)
    print(f"greeting after {greeted - started:.1f} s, whole call {time.monotonic() - started:.1f} s\n{output}")
    assert "Thank you for calling Riverside Dental" in talk.agent()[0]
    assert "Monday to Friday from 8 in the morning to 6 in the evening" in hours
    assert "message" in asked.lower() and "who should i say" in who.lower() and "spell" in spell.lower()
    assert "number" in number.lower()
    assert "passed your message on" in passed
    assert re.search(r"You: .*opening hours", output)  # what the recogniser heard, shown as said
    assert "Call ended: stopped at the front desk." in output
    assert "Traceback" not in output
    assert loud_seconds(recorded.read_bytes()) > 10  # the greeting and six answers were heard

    db = sqlite3.connect(store)
    calls = db.execute("SELECT id, direction, caller_number, caller_name, ended_at, outcome FROM calls").fetchall()
    assert len(calls) == 1
    call_id, direction, number, name, ended, outcome = calls[0]
    assert (direction, number, name) == ("test", "", "Front desk test") and ended is not None
    turns = db.execute("SELECT speaker, text FROM turns WHERE call_id = ? ORDER BY seq", (call_id,)).fetchall()
    assert any(speaker == "caller" and "opening hours" in text for speaker, text in turns)
    assert counts(store) == before  # the message went to the copy, which is gone
    assert not list(store.parent.glob("*.pending.jsonl"))  # nor is it waiting to be written later
    assert not list((tmp_path / "tmp").glob("appliance-scratch-*"))  # the copy was deleted


@pytest.mark.slow
def test_with_book_the_agent_really_leaves_the_message(sound_server, clinic, tmp_path):
    store = clinic.parent / "data" / "appliance.db"
    talk = Talk(clinic, ["--book"], run_env(sound_server, tmp_path))
    try:
        talk.wait(lambda: len(talk.agent()) == 1, 120, "greeting")
        talk.say(sound_server, "I would like to leave a message.")
        assert "who should i say" in talk.say(sound_server, "Please call me back tomorrow morning.").lower()
        assert "spell" in talk.say(sound_server, "Tom Baker.").lower()
        assert "number" in talk.say(sound_server, "B, A, K, E, R.").lower()
        assert "passed your message on" in talk.leave_number(sound_server), "".join(talk.lines)
        assert "goodbye" in talk.say(sound_server, "No thanks, goodbye.").lower()
    except BaseException:
        talk.stop()  # not to hold the sound server's devices for the tests after it
        raise
    assert talk.proc.wait(30) == 0  # the agent hung up
    talk.reader.join(5)
    assert talk.lines[-1] == "Call ended: the agent hung up.\n"
    db = sqlite3.connect(store)
    messages = db.execute("SELECT m.text, c.direction FROM messages m JOIN calls c ON c.id = m.call_id").fetchall()
    assert len(messages) == 1 and "tomorrow" in messages[0][0].lower() and messages[0][1] == "test"


@pytest.mark.skipif(has_sound_card(), reason="this machine has a sound card: there is always a device")
def test_without_any_audio_device_talk_says_so_and_exits(clinic, tmp_path):
    env = {**no_sound_env(tmp_path), "PATH": "/usr/bin:/bin"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "appliance", "--config", str(clinic), "talk"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {NO_DEVICE_MESSAGE} [{NoAudioDeviceError.code}]"
    assert "Loading" not in done.stdout  # it stopped before loading any model
    assert time.monotonic() - started < 15
    assert counts(clinic.parent / "data" / "appliance.db")["messages"] == 0
