"""Add a clinic's own model from a file or folder: choose it and its role, then copy and hash it
into the models folder off the window's thread, with progress and Cancel (a cancelled copy is
removed)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from appliance.models.manifest import ModelEntry, Role
from appliance.models.store import ModelStore
from gui.long_job import JobEnd, JobPanel, LongJob, run_on_thread
from gui.settings_models import ROLE_NAMES
from gui.style import ERROR, show_tone

MODEL_FILES = "Model files (*.gguf *.onnx);;All files (*)"


@dataclass(frozen=True)
class AddRequest:
    """A filled-in add-a-model dialog: the file or folder, its role, the name to list it under ('' from the file)."""

    path: Path
    role: Role
    name: str


def guessed_role(path: Path) -> Role | None:
    """The role a file's name suggests: a .gguf is a language model, an .onnx beside its .onnx.json a voice."""
    if path.suffix == ".gguf":
        return Role.LLM
    if path.suffix == ".onnx" and path.with_name(path.name + ".json").is_file():
        return Role.TTS
    return None


def added_words(entry: ModelEntry) -> str:
    """What was added, and how to use it."""
    return (f"Added {entry.name} ({ROLE_NAMES[entry.role].lower()}, {entry.size / 1e6:.1f} MB): choose it above "
            "and save the settings to use it.")


class AddModelDialog(QDialog):
    """Choose a model file or folder, the role it serves and, if wanted, its name. Add closes it
    only when a file or folder that exists was chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a model")
        self.path = QLineEdit(placeholderText="a .gguf file, a Piper voice .onnx, or a model folder")
        self.file_button = QPushButton("Choose a &file...")
        self.file_button.setAccessibleName("Choose a model file")
        self.folder_button = QPushButton("Choose a f&older...")
        self.folder_button.setAccessibleName("Choose a model folder")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(ROLE_NAMES[role], role)
        self.name = QLineEdit(placeholderText="empty: from the file name")
        self.status = QLabel(wordWrap=True)
        show_tone(self.status, ERROR)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("&Add")
        self.add_button.setAccessibleName("Add the model")
        self.file_button.clicked.connect(self.choose_file)
        self.folder_button.clicked.connect(self.choose_folder)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        chooser = QHBoxLayout()
        chooser.addWidget(self.path, 1)
        chooser.addWidget(self.file_button)
        chooser.addWidget(self.folder_button)
        form = QFormLayout()
        form.addRow(QLabel("&Model:", buddy=self.path), chooser)
        form.addRow("&Role:", self.role)
        form.addRow("&Name:", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def choose_file(self) -> None:
        """Pick a model file (its role guessed from its name where it can be)."""
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model file", self._start(), MODEL_FILES)
        if path:
            self.path.setText(path)
            role = guessed_role(Path(path))
            if role is not None:
                self.role.setCurrentIndex(self.role.findData(role))

    def choose_folder(self) -> None:
        """Pick a model folder (a Vosk or Whisper model, a Piper voice)."""
        path = QFileDialog.getExistingDirectory(self, "Choose a model folder", self._start())
        if path:
            self.path.setText(path)

    def request(self) -> AddRequest | None:
        """What the dialog holds; None (with the reason shown) when no existing file or folder is chosen."""
        text = self.path.text().strip()
        if not text:
            self.status.setText("Choose a model file or folder.")
            return None
        if not Path(text).exists():
            self.status.setText(f"{text} does not exist.")
            return None
        return AddRequest(Path(text), self.role.currentData(), self.name.text().strip())

    def try_accept(self) -> None:
        """Close with Add when the choice is complete."""
        if self.request() is not None:
            self.accept()

    def _start(self) -> str:
        text = self.path.text().strip()
        return str(Path(text).parent) if text else str(Path.home())


class ModelAdder(QWidget):
    """The "Add a model from a file..." button, its dialog and the copy's progress; `added` once a
    model was added. `folder` is the models folder in use."""

    added = Signal()

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.dialog: AddModelDialog | None = None
        self.button = QPushButton("Add a model from a f&ile...")
        self.button.setAccessibleName("Add a model from a file or folder")
        self.button.setToolTip("Copy a clinic's own model into the models folder")
        self.button.clicked.connect(self.open_dialog)
        self.panel = JobPanel("Cancel add&ing the model")  # the Add button is off while it runs
        self.panel.busy_changed.connect(lambda busy: self.button.setEnabled(not busy))
        self.panel.finished.connect(self._ended)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.panel)

    def open_dialog(self) -> AddModelDialog:
        """Open the add-a-model dialog; Add starts the copy."""
        dialog = AddModelDialog(self)
        dialog.accepted.connect(lambda: self.start(dialog.request()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def start(self, request: AddRequest) -> Future | None:
        """Copy and hash the model `request` names into the models folder (None while a copy runs)."""
        if self.panel.busy:
            return None
        job = self.panel.watch(LongJob("Adding a model", added_words, f"Could not add {request.path.name}",
                                       "Adding the model was cancelled: nothing was added."), self.button)
        folder = self.folder  # the store is read on the job's thread: its manifest is on disk
        return run_on_thread(job, lambda job: ModelStore(folder).add(request.path, request.role, request.name or None,
                                                                     progress=job.byte_progress))

    def _ended(self, end: JobEnd) -> None:
        if end.value is not None:
            self.added.emit()
