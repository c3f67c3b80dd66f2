"""What can go wrong with the PC's sound devices, with stable codes the front desk matches on."""

from __future__ import annotations

from appliance.errors import ApplianceError


class HeadsetError(ApplianceError):
    """The microphone or speaker cannot be opened or used."""

    code = "headset.error"


class NoAudioDeviceError(HeadsetError):
    """No microphone or no speaker at all: no sound card, no sound server, no PortAudio."""

    code = "headset.no_device"


class UnknownDeviceError(HeadsetError):
    """`--device` names no microphone or speaker that is present."""

    code = "headset.unknown_device"


NO_DEVICE_MESSAGE = "no microphone and speaker found: plug in a headset or check the sound settings"
