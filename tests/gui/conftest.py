"""GUI tests: real widgets (offscreen Qt), a real store seeded with the demo clinic."""

from __future__ import annotations

import pytest

from appliance.config import Config
from appliance.lab.demo import demo_config
from gui.store_worker import StoreWorker


@pytest.fixture()
def desk_config(tmp_path):
    """The demo clinic: two dentists, three services, weekday and Saturday hours, one patient."""
    return demo_config(Config(), tmp_path / "data")


@pytest.fixture()
def store_worker(qtbot, desk_config):
    """The window's store worker on that store."""
    worker = StoreWorker(desk_config.paths.data / "appliance.db", desk_config)
    yield worker
    worker.close()
