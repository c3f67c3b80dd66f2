"""The models folder as the settings show it: what is installed, and which model serves each role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from appliance.config import Config
from appliance.errors import ModelError
from appliance.models.manifest import Role
from appliance.models.store import ModelStatus, ModelStore, Status
from gui.settings_forms import ConfigForm

ROLE_NAMES = {Role.STT: "Speech recognition", Role.LLM: "Language model", Role.TTS: "Voice",
              Role.VAD: "Speech detection", Role.TURN: "End of turn"}
MNEMONIC_NAMES = {Role.STT: "Speech &recognition:", Role.LLM: "Lang&uage model:", Role.TTS: "&Voice:",
                  Role.VAD: "Speec&h detection:", Role.TURN: "&End of turn:"}
USABLE = (Status.VERIFIED, Status.UNVERIFIED, Status.BUILTIN)


@dataclass(frozen=True)
class InstalledModels:
    """Every known model with its recorded state (no checksum is computed), and each role's default."""

    statuses: tuple[ModelStatus, ...] = ()
    defaults: dict[Role, str] = field(default_factory=dict)

    def status_of(self, name: str) -> Status | None:
        """The recorded state of the model called `name`; None when the manifest does not know it."""
        return next((s.status for s in self.statuses if s.entry.name == name), None)

    def usable(self, role: Role) -> list[str]:
        """Names of the installed models that can serve `role`."""
        return [s.entry.name for s in self.statuses if s.entry.role == role and s.status in USABLE]


def read_installed_models(models_dir: Path) -> InstalledModels:
    """Read the manifest and the recorded states in `models_dir` (disk work: keep it off the GUI thread)."""
    store = ModelStore(models_dir)
    defaults: dict[Role, str] = {}
    for role in Role:
        try:
            defaults[role] = store.manifest.default(role).name
        except ModelError:
            continue
    return InstalledModels(tuple(store.statuses()), defaults)


class ModelsForm(ConfigForm):
    """One drop-down per role: the manifest's default, or one of the installed models of that role."""

    def __init__(self, config: Config, parent: QWidget | None = None) -> None:
        super().__init__("models", parent)
        self.installed: InstalledModels | None = None  # until the folder has been read
        self.folder = QLabel(f"Models folder: {config.paths.models}")
        self.form.addRow(self.folder)
        for role in Role:
            self.add(role.value, MNEMONIC_NAMES[role], QComboBox())

    def load(self, config: Config) -> None:
        """Offer the configured models (the choices grow once the folder has been read)."""
        for role in Role:
            self._fill(role, getattr(config.models, role.value))

    def set_installed(self, installed: InstalledModels) -> None:
        """Offer what is installed now, keeping each role's selection."""
        self.installed = installed
        for role in Role:
            self._fill(role, self.fields[role.value].currentData() or "")

    def _fill(self, role: Role, selected: str) -> None:
        box: QComboBox = self.fields[role.value]
        installed = self.installed or InstalledModels()
        default = installed.defaults.get(role)
        box.clear()
        box.addItem(f"Default ({default})" if default else "Default", "")
        for name in installed.usable(role):
            box.addItem(f"{name} ({installed.status_of(name)})", name)
        if selected and box.findData(selected) < 0:
            box.addItem(selected if self.installed is None else f"{selected} (not installed)", selected)
        box.setCurrentIndex(box.findData(selected))
