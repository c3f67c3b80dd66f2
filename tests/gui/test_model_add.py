"""Settings, models: add a clinic's own model from a file or folder with progress and Cancel. A
cancelled copy is removed, a finished one is listed for its role, and a file that is not a model
is said in one sentence. The model is a small GGUF file the detector accepts; the copy is held at
a progress report, not slowed down in the product."""

from __future__ import annotations

import json
import os
import struct

import pytest
import tomli_w
from PySide6.QtWidgets import QFileDialog

from appliance.config import load_config
from appliance.models.manifest import Engine, Role
from appliance.models.store import ModelStore, Status
from gui.long_job import CANCELLED, DONE, FAILED
from gui.settings_view import SettingsView
from gui.style import ERROR, OK, WARNING, tone_of
from tests.gui.jobs import hold_jobs, moved, press_cancel
from tests.gui.widgets import click

SIZE = 3 * 1024 * 1024 + 5  # more than one copy chunk


@pytest.fixture()
def models(empty_models):
    """The view's models folder: the shipped manifest, nothing installed."""
    return empty_models


@pytest.fixture()
def view(qtbot, store_worker, desk_config, models, tmp_path):
    """The settings view on a config whose models folder is `models`, once the folder was read."""
    path = tmp_path / "appliance.toml"
    path.write_text(tomli_w.dumps({"paths": {"models": str(models), "data": str(desk_config.paths.data)}}))
    path.chmod(0o600)
    widget = SettingsView(store_worker, load_config(path), path)
    qtbot.addWidget(widget)
    widget.show()
    widget.tabs.setCurrentWidget(widget.models)
    qtbot.waitUntil(lambda: widget.installed is not None, timeout=10000)
    return widget


@pytest.fixture()
def gguf(tmp_path):
    """A small GGUF language model file (version 3 header; the detector reads no further)."""
    folder = tmp_path / "offered"
    folder.mkdir()
    path = folder / "clinic-llm.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<I", 3) + os.urandom(SIZE - 8))
    return path


def add_through_the_dialog(qtbot, view, monkeypatch, path):  # noqa: ANN001, ANN201
    """Open the dialog, choose `path` with its file button, and press Add."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    adder = view.model_adder
    assert adder.button.text() == "Add a model from a f&ile..." and adder.button.accessibleName()
    click(qtbot, adder.button)
    dialog = adder.dialog
    click(qtbot, dialog.file_button)
    assert dialog.path.text() == str(path)
    click(qtbot, dialog.add_button)
    return adder


def model_files(models) -> list[str]:  # noqa: ANN001
    """Everything in the models folder but the shipped manifest."""
    return sorted(str(p.relative_to(models)) for p in models.rglob("*") if p.name != "manifest.toml" and p.is_file())


def test_adding_a_model_moves_and_lists_it(qtbot, view, models, gguf, monkeypatch):
    hold = hold_jobs(monkeypatch)
    adder = add_through_the_dialog(qtbot, view, monkeypatch, gguf)
    assert adder.panel.isVisible() and not adder.button.isEnabled()
    qtbot.waitUntil(lambda: not adder.panel.busy, timeout=10000)
    assert adder.panel.end.state == DONE
    assert adder.panel.words.text() == ("Added clinic-llm (language model, 3.1 MB): choose it above and save "
                                        "the settings to use it.")
    assert tone_of(adder.panel.words) == OK
    copy, check = hold.steps("copy clinic-llm"), hold.steps("check clinic-llm")
    assert moved(copy) and len(copy) >= 4 and copy[-1][:2] == (SIZE, SIZE)
    assert moved(check) and check[-1][:2] == (SIZE, SIZE)
    assert (models / "llm" / "clinic-llm.gguf").read_bytes() == gguf.read_bytes()
    store = ModelStore(models)
    entry = store.manifest.get("clinic-llm")
    assert (entry.role, entry.engine, entry.size) == (Role.LLM, Engine.LLAMA_CPP, SIZE)
    assert store.status(entry).status == Status.VERIFIED
    box = view.models.fields["llm"]
    qtbot.waitUntil(lambda: box.findData("clinic-llm") >= 0, timeout=10000)  # offered for its role
    assert adder.button.isEnabled() and view.window().focusWidget() is adder.button


@pytest.mark.parametrize("press", ["button", "escape"])
def test_cancel_removes_the_partial_copy(qtbot, view, models, gguf, monkeypatch, press):
    # held once every byte is copied, before the copy is hashed and renamed into place
    hold = hold_jobs(monkeypatch, lambda done, total, what: what.startswith("copy") and 0 < done == total)
    adder = add_through_the_dialog(qtbot, view, monkeypatch, gguf)
    qtbot.waitUntil(hold.reached.is_set, timeout=10000)
    assert model_files(models) == ["llm/.clinic-llm.gguf.partial"]
    qtbot.waitUntil(lambda: adder.panel.bar.value() > 0)
    assert adder.panel.words.text().startswith("Adding a model: copy clinic-llm: ")
    assert view.window().focusWidget() is adder.panel.cancel_button  # it has focus once the dialog has closed
    view.window().activateWindow()  # as the desktop does when the dialog closes
    qtbot.waitUntil(adder.panel.cancel_button.hasFocus)
    press_cancel(qtbot, adder.panel, press)
    hold.release()
    qtbot.waitUntil(lambda: not adder.panel.busy, timeout=10000)
    assert adder.panel.end.state == CANCELLED
    assert adder.panel.words.text() == "Adding the model was cancelled: nothing was added."
    assert tone_of(adder.panel.words) == WARNING
    assert model_files(models) == [], "no partial copy, no added.toml, no recorded state"
    assert "clinic-llm" not in [e.name for e in ModelStore(models).manifest.entries]
    assert adder.button.isEnabled()


def test_a_file_that_is_not_a_model_is_said_in_one_sentence(qtbot, view, models, tmp_path, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model\n")
    adder = add_through_the_dialog(qtbot, view, monkeypatch, notes)
    qtbot.waitUntil(lambda: not adder.panel.busy, timeout=10000)
    assert adder.panel.end.state == FAILED
    assert adder.panel.words.text().startswith(f"Could not add notes.txt: {notes} is not a model this appliance "
                                               "can use; expected a GGUF language model file")
    assert tone_of(adder.panel.words) == ERROR
    assert model_files(models) == []


def test_a_voice_folder_is_added_for_the_role_chosen(qtbot, view, models, tmp_path, monkeypatch):
    voice = tmp_path / "my-voice"
    voice.mkdir()
    (voice / "my-voice.onnx").write_bytes(b"\0" * 1000)
    (voice / "my-voice.onnx.json").write_text(json.dumps({"audio": {"sample_rate": 22050}, "phoneme_id_map": {}}))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(voice))
    click(qtbot, view.model_adder.button)
    dialog = view.model_adder.dialog
    click(qtbot, dialog.folder_button)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.TTS))
    dialog.name.setText("front-desk-voice")
    click(qtbot, dialog.add_button)
    qtbot.waitUntil(lambda: not view.model_adder.panel.busy, timeout=10000)
    assert view.model_adder.panel.end.state == DONE
    assert model_files(models) == [".state.json", "added.toml", "tts/front-desk-voice/my-voice.onnx",
                                   "tts/front-desk-voice/my-voice.onnx.json"]
    assert ModelStore(models).manifest.get("front-desk-voice").engine == Engine.PIPER


def test_the_dialog_wants_a_file_or_folder_that_exists(qtbot, view, tmp_path):
    click(qtbot, view.model_adder.button)
    dialog = view.model_adder.dialog
    click(qtbot, dialog.add_button)
    assert dialog.isVisible() and dialog.status.text() == "Choose a model file or folder."
    dialog.path.setText(str(tmp_path / "gone.gguf"))
    click(qtbot, dialog.add_button)
    assert dialog.isVisible() and dialog.status.text() == f"{tmp_path / 'gone.gguf'} does not exist."
    assert not view.model_adder.panel.busy
