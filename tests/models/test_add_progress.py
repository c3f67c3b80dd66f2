"""Adding a clinic's model with progress and a way to stop: the copy and the check each report
their bytes, and a stop (or a failure) removes the partial copy and records nothing."""

from __future__ import annotations

import os
import struct

import pytest

from appliance.errors import Cancelled, ModelKindError
from appliance.models.manifest import Engine, Role
from appliance.models.store import COPY_CHUNK, ModelStore, Status

SIZE = 2 * COPY_CHUNK + 100


def small_gguf(path):  # noqa: ANN001, ANN201
    """A GGUF language model file the detector accepts (a version 3 header, random bytes after)."""
    path.write_bytes(b"GGUF" + struct.pack("<I", 3) + os.urandom(SIZE - 8))
    return path


def vosk_folder(path):  # noqa: ANN001, ANN201
    """A folder laid out as a Vosk model."""
    for name, size in (("am/final.mdl", SIZE), ("conf/model.conf", 10), ("graph/words.txt", 500)):
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(os.urandom(size))
    return path


class Steps:
    """A progress factory that records each step's label, total and bytes, and raises `Cancelled`
    once `stop_after` bytes of the step `stop_in` were reported."""

    def __init__(self, stop_in: str = "", stop_after: int = 0) -> None:
        self.steps: list[tuple[str, int, list[int]]] = []
        self.stop_in, self.stop_after = stop_in, stop_after

    def __call__(self, label: str, total: int):  # noqa: ANN204
        counts: list[int] = []
        self.steps.append((label, total, counts))

        def progress(n: int) -> None:
            counts.append(n)
            if self.stop_in and label.startswith(self.stop_in) and sum(counts) >= self.stop_after:
                raise Cancelled("stopped")
        return progress


def nothing_left(models) -> list[str]:  # noqa: ANN001
    return sorted(str(p.relative_to(models)) for p in models.rglob("*") if p.is_file() and p.name != "manifest.toml")


def test_the_copy_and_the_check_report_every_byte(empty_models, tmp_path):
    steps = Steps()
    entry = ModelStore(empty_models).add(small_gguf(tmp_path / "clinic.gguf"), Role.LLM, progress=steps)
    assert [(label, total, sum(counts)) for label, total, counts in steps.steps] == [
        ("copy clinic", SIZE, SIZE), ("check clinic", SIZE, SIZE)]
    assert len(steps.steps[0][2]) == 3, "the copy reports chunk by chunk"
    assert (entry.engine, entry.size) == (Engine.LLAMA_CPP, SIZE)
    assert ModelStore(empty_models).status(entry).status == Status.VERIFIED


@pytest.mark.parametrize("stop_in, stop_after", [("copy", 1), ("copy", SIZE), ("check", SIZE)])
def test_a_stop_removes_the_partial_copy_and_records_nothing(empty_models, tmp_path, stop_in, stop_after):
    gguf = small_gguf(tmp_path / "clinic.gguf")
    with pytest.raises(Cancelled):
        ModelStore(empty_models).add(gguf, Role.LLM, progress=Steps(stop_in, stop_after))
    assert nothing_left(empty_models) == [] and not list(empty_models.rglob("*.partial"))
    assert "clinic" not in [e.name for e in ModelStore(empty_models).manifest.entries]
    ModelStore(empty_models).add(gguf, Role.LLM)  # the same name is free again


def test_a_folder_model_reports_its_files_and_stops_cleanly(empty_models, tmp_path):
    source = vosk_folder(tmp_path / "vosk-clinic")
    steps = Steps()
    entry = ModelStore(empty_models).add(source, Role.STT, name="vosk-a", progress=steps)
    total = SIZE + 10 + 500
    assert [(label, t, sum(c)) for label, t, c in steps.steps] == [("copy vosk-a", total, total),
                                                                   ("check vosk-a", total, total)]
    assert entry.engine == Engine.VOSK and (empty_models / "stt" / "vosk-a" / "conf" / "model.conf").is_file()
    with pytest.raises(Cancelled):
        ModelStore(empty_models).add(source, Role.STT, name="vosk-b", progress=Steps("copy", COPY_CHUNK))
    assert not (empty_models / "stt" / "vosk-b").exists() and not list(empty_models.rglob("*.partial"))


def test_a_file_that_is_not_a_model_is_refused_before_any_copy(empty_models, tmp_path):
    steps = Steps()
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelKindError, match="is not a model this appliance can use"):
        ModelStore(empty_models).add(tmp_path / "notes.txt", Role.LLM, progress=steps)
    assert steps.steps == [] and nothing_left(empty_models) == []
