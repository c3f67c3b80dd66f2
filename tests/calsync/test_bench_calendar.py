"""`appliance bench calendar` on a small calendar: it runs end to end and prints its JSON line."""

from __future__ import annotations

import json

import pytest

from appliance.cli import main

pytestmark = pytest.mark.slow


def test_bench_calendar_prints_its_json_line(capsys):
    assert main(["bench", "calendar", "--events", "40", "--trials", "2"]) == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert payload["bench"] == "calendar" and payload["blocks"] == 40 and payload["first_read"] == 40
    assert payload["to_calendar_s"]["max"] < 30 and payload["from_calendar_on_call_s"]["max"] < 30
