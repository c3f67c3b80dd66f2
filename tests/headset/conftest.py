"""Fixtures of the headset tests: a real sound server, and PortAudio in this process using it."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator

import pytest

from tests.headset.sound import SoundServer, start_server


@pytest.fixture(scope="package")
def sound_server(tmp_path_factory) -> Iterator[SoundServer]:
    """A private PulseAudio daemon with two null sinks, for the package's tests.

    - `speaker`, the default sink, is the headset's speaker: what the transport plays is
      recorded from its monitor (`parec -d speaker.monitor`).
    - `caller`: what a test plays into it (`pacat -d caller`) comes out of its monitor, the
      default source, which is the headset's microphone.

    PortAudio (Debian's libportaudio2 has no PulseAudio host API) reaches the daemon through
    ALSA's pulse plugin (libasound2-plugins): `ALSA_CONFIG_PATH` loads the system's alsa.conf,
    then a file making `default` the pulse plugin; `PULSE_SERVER` names the daemon's socket.

    As root: without `--system` PulseAudio only warns ("not intended to be run as root") and
    runs as a per-user daemon, which is what the tests want. So that it leaves root's own sound
    set-up alone, its HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, PULSE_RUNTIME_PATH and
    PULSE_STATE_PATH point into the test's folder; `-n -F test.pa` runs our script instead of
    default.pa (no hardware detection, no D-Bus or X11 modules); `auth-anonymous=1` on the socket
    lets clients in without a cookie, and clients get PULSE_COOKIE and PULSE_RUNTIME_PATH in the
    folder (else they write ~/.config/pulse in root's home). `--exit-idle-time=-1
    --disallow-exit` keep it up between tests; SIGTERM stops it at the end.
    """
    if not (shutil.which("pulseaudio") and shutil.which("pacat")):
        pytest.fail("pulseaudio and pulseaudio-utils are not installed (installer/debian-packages.txt)")
    try:
        server = start_server(tmp_path_factory.mktemp("pulse"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="package")
def headset_env(sound_server) -> Iterator[SoundServer]:
    """PortAudio in this process sees the sound server: its default devices are the sinks'.

    PortAudio lists the devices only when it is initialised, so it is initialised again here
    with the server's environment. On the way out it is left as it was: initialised again with
    the old environment if it had been, else unloaded (the next import starts it afresh)."""
    loaded = "sounddevice" in sys.modules
    with pytest.MonkeyPatch.context() as patch:
        for key, value in sound_server.env.items():
            patch.setenv(key, value)
        import sounddevice  # initialises PortAudio, when it is not yet loaded

        if loaded:
            sounddevice._terminate()  # private API, stable in sounddevice 0.4 and 0.5
            sounddevice._initialize()
        try:
            yield sound_server
        finally:
            sounddevice._terminate()
            patch.undo()
            if loaded:
                sounddevice._initialize()
            else:
                del sys.modules["sounddevice"]
