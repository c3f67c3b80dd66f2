"""Typed errors with stable codes, shared by every part of the appliance.

The code is what logs, the GUI and tests match on; the message is for people.
"""

from __future__ import annotations


class ApplianceError(Exception):
    """Base class: every error the appliance raises on purpose carries a stable code."""

    code = "appliance.error"

    def __str__(self) -> str:
        return f"{super().__str__()} [{self.code}]"


class ConfigError(ApplianceError):
    """The configuration file is missing, unreadable or holds a bad value."""

    code = "config.invalid"


class ModelError(ApplianceError):
    """A model is unknown, missing, corrupt or of the wrong kind."""

    code = "model.error"


class ModelMissingError(ModelError):
    """The model is known but its files are not installed."""

    code = "model.missing"


class ModelChecksumError(ModelError):
    """The model's files do not match the pinned sha256."""

    code = "model.checksum"


class ModelKindError(ModelError):
    """A file offered as a model is not of the kind its role needs."""

    code = "model.wrong_kind"


class PackageError(ModelError):
    """A registry package that ships a model is absent and could not be installed."""

    code = "model.package"


class EngineError(ApplianceError):
    """An inference engine failed to load or to run."""

    code = "engine.failed"


class DeviceUnavailableError(EngineError):
    """A GPU was asked for but this machine or this build cannot use one."""

    code = "engine.device_unavailable"


class Cancelled(ApplianceError):
    """The person stopped a long piece of work (an export, an import, a model copy); none of it was kept."""

    code = "work.cancelled"
