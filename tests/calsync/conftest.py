"""A real CalDAV server (Radicale on loopback) per test module, and the small clinic of the store
tests with a calendar per dentist."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest

from appliance.calsync.server import CalendarServer
from appliance.calsync.sync import CalendarSync
from appliance.config.calendar import CalendarConfig
from appliance.lab.calendar_server import LabCalendarServer
from tests.crm.conftest import TZ, clinic  # noqa: F401 - the store fixture

__all__ = ["TZ", "clinic"]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """Radicale, with an account and password."""
    server = LabCalendarServer(tmp_path_factory.mktemp("radicale"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["radicale", "xandikos"])
def server(request, tmp_path_factory):
    """Each CalDAV server the sync is tested against."""
    server = LabCalendarServer(tmp_path_factory.mktemp(request.param), kind=request.param)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def calendars(server, clinic):  # noqa: F811 - the fixture above
    """Dr. Patel's and Dr. Okafor's calendars, and the config that syncs them."""
    patel, okafor = server.make_calendar("Dr. Patel"), server.make_calendar("Dr. Okafor")
    config = CalendarConfig(url=server.url, user=server.user, password=server.password,
                            calendars={"Dr. Patel": patel, "Dr. Okafor": okafor})
    return config


@contextmanager
def patels_own_server(tmp_path, max_request_bytes: int = 100_000_000, **options):
    """A Radicale of the test's own (to stop and start), Dr. Patel's calendar on it, and the config
    (with `options`) that syncs it."""
    server = LabCalendarServer(tmp_path / "own", max_request_bytes=max_request_bytes)
    server.start()
    try:
        url = server.make_calendar("Dr. Patel")
        yield server, url, CalendarConfig(url=server.url, user=server.user, password=server.password,
                                          calendars={"Dr. Patel": url}, **options)
    finally:
        server.stop()


def make_sync(clinic, config, **changes):  # noqa: F811
    """A sync of the clinic's store with `config` (changed by `changes`)."""
    config = replace(config, **changes)
    return CalendarSync(clinic.db, config, CalendarServer(config), TZ)
