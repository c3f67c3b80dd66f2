"""The scenario suite through the dialogue directly (text in, store rows and actions out)."""

import pytest

from tests.dialogue.runner import report, run_scenario
from tests.dialogue.scenarios import SCENARIOS


RULES_ONLY = [s for s in SCENARIOS if not s.needs_llm]


@pytest.mark.parametrize("scenario", RULES_ONLY, ids=[s.name for s in RULES_ONLY])
def test_scenario(scenario, tmp_path):
    outcome = run_scenario(scenario, tmp_path / "store.db")
    assert outcome.passed, f"{outcome.reason}\n{outcome.result['said']}"


def test_suite_success_rate_and_no_unconfirmed_booking(tmp_path):
    outcomes = [run_scenario(s, tmp_path / f"s{i}.db") for i, s in enumerate(SCENARIOS)]
    print("\n" + report(outcomes, "none (rules only)"))
    assert len(SCENARIOS) >= 30
    assert not any(o.reason == "booked without asking for a yes" for o in outcomes)
    assert sum(o.passed for o in outcomes) / len(outcomes) >= 0.9


@pytest.mark.slow
def test_suite_with_each_installed_llm(tmp_path, store, config):
    """The whole suite with each installed language model as the fallback classifier."""
    from appliance.models.engines import load_engine
    from appliance.models.manifest import Role
    from appliance.models.store import Status

    rates = {}
    for row in store.statuses():
        if row.entry.role != Role.LLM or row.status == Status.MISSING:
            continue
        llm = load_engine(Role.LLM, config, store, row.entry.name)
        try:
            outcomes = [run_scenario(s, tmp_path / f"{row.entry.name}-{i}.db", llm) for i, s in enumerate(SCENARIOS)]
        finally:
            llm.close()
        print("\n" + report(outcomes, row.entry.name))
        assert not any(o.reason == "booked without asking for a yes" for o in outcomes)
        rates[row.entry.name] = sum(o.passed for o in outcomes) / len(outcomes)
    assert rates[store.manifest.default(Role.LLM).name] >= 0.9
