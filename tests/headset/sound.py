"""The private PulseAudio daemon of the headset tests (the `sound_server` fixture in conftest.py
tells how it works as root), and an environment with no sound at all."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
PULSE_DEFAULT = "pcm.!default { type pulse }\nctl.!default { type pulse }\n"
RAW = ["--raw", "--format=s16le", "--rate=16000", "--channels=1"]
SCRIPT = """load-module module-native-protocol-unix socket={socket} auth-anonymous=1
load-module module-null-sink sink_name=speaker rate=16000 channels=1
load-module module-null-sink sink_name=caller rate=16000 channels=1
set-default-sink speaker
set-default-source caller.monitor
"""


@dataclass
class SoundServer:
    """The running daemon, and what a client needs to reach it."""

    folder: Path
    daemon: subprocess.Popen
    env: dict[str, str]  # for clients: PULSE_SERVER, PULSE_COOKIE, ALSA_CONFIG_PATH, ...

    def client_env(self) -> dict[str, str]:
        """This process's environment with the server's on top (for subprocesses)."""
        return {**os.environ, **self.env}

    def play(self, pcm: bytes) -> None:
        """Play 16 kHz mono s16 into the microphone; returns once it has played."""
        subprocess.run(["pacat", "-d", "caller", *RAW], input=pcm, env=self.client_env(), check=True, timeout=120)

    @contextmanager
    def recording(self) -> Iterator[Path]:
        """Record the speaker while the block runs; the raw 16 kHz PCM is in the file yielded."""
        out = self.folder / f"speaker-{time.monotonic_ns()}.raw"
        with out.open("wb") as sink:
            proc = subprocess.Popen(["parec", "-d", "speaker.monitor", *RAW], stdout=sink, env=self.client_env())
            try:
                yield out
            finally:
                proc.terminate()
                proc.wait(10)

    def stop(self) -> None:
        """Stop the daemon."""
        self.daemon.terminate()
        self.daemon.wait(10)


def start_server(folder: Path, timeout: float = 15.0) -> SoundServer:
    """Start the daemon with its files in `folder`; RuntimeError (with its log) if it does not come up."""
    socket, run = folder / "native", folder / "run"
    run.mkdir(mode=0o700)
    (folder / "test.pa").write_text(SCRIPT.format(socket=socket))
    (folder / "asound.conf").write_text(PULSE_DEFAULT)
    own = {"HOME": str(folder / "home"), "XDG_CONFIG_HOME": str(folder / "home" / ".config"),
           "XDG_RUNTIME_DIR": str(run), "PULSE_RUNTIME_PATH": str(run / "pulse"), "PULSE_STATE_PATH": str(folder / "state")}
    log = folder / "pulseaudio.log"
    with log.open("wb") as out:
        daemon = subprocess.Popen(["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
                                   "--use-pid-file=no", "-n", "-F", str(folder / "test.pa")],
                                  env={**os.environ, **own}, stdout=out, stderr=subprocess.STDOUT)
    server = SoundServer(folder, daemon, {
        "PULSE_SERVER": f"unix:{socket}", "PULSE_COOKIE": str(folder / "cookie"),
        "PULSE_RUNTIME_PATH": str(run / "client"), "ALSA_CONFIG_PATH": f"{ALSA_CONF}:{folder / 'asound.conf'}"})
    deadline = time.monotonic() + timeout
    while subprocess.run(["pactl", "info"], env=server.client_env(), capture_output=True).returncode:
        if daemon.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"pulseaudio did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    return server


def no_sound_env(folder: Path) -> dict[str, str]:
    """An environment with no audio device: ALSA's default is a sound server that is not there."""
    (folder / "asound.conf").write_text(PULSE_DEFAULT)
    return {"PULSE_SERVER": f"unix:{folder / 'nothing-here'}", "PULSE_COOKIE": str(folder / "cookie"),
            "PULSE_RUNTIME_PATH": str(folder / "run"), "ALSA_CONFIG_PATH": f"{ALSA_CONF}:{folder / 'asound.conf'}"}


def has_sound_card() -> bool:
    """A real sound card shows up as an ALSA device whatever the sound server does."""
    cards = Path("/proc/asound/cards")
    return cards.exists() and "no soundcards" not in cards.read_text()
