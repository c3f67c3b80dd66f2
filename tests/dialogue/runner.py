"""Run scenarios through the dialogue directly and judge them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.dialogue.clinic import build_store, make_dialogue
from tests.dialogue.scenarios import Scenario


@dataclass
class Outcome:
    scenario: Scenario
    passed: bool
    turns: int
    result: dict
    reason: str = ""


def run_scenario(scenario: Scenario, path, llm=None) -> Outcome:  # noqa: ANN001
    db, _ = build_store(path)
    before = {r["id"] for r in db.query("SELECT id FROM appointments")}
    dialogue = make_dialogue(db, llm)
    said = [dialogue.greeting(scenario.caller).text]
    action = None
    unconfirmed = False
    turns = 0
    count = "SELECT COUNT(*) FROM appointments WHERE status = 'booked'"
    for line in scenario.lines:
        confidence = 0.1 if line.startswith("~") else 0.9
        booked_before = db.execute(count).fetchone()[0]
        reply = dialogue.respond(line.strip("~"), confidence)
        turns += 1
        if db.execute(count).fetchone()[0] > booked_before and "Shall I go ahead" not in said[-1]:
            unconfirmed = True
        said.append(reply.text)
        if reply.action is not None:
            action = reply.action
            break
    rows = list(db.query("SELECT a.*, p.name AS provider, s.name AS service FROM appointments a "
                         "JOIN providers p ON p.id = a.provider_id JOIN services s ON s.id = a.service_id"))
    booked = [r for r in rows if r["id"] not in before]
    cancelled = [r["starts_at"] for r in rows if r["id"] in before and r["status"] == "cancelled"]
    moved = [r["starts_at"] for r in rows if r["id"] in before and r["version"] > 1 and r["status"] == "booked"]
    result = {
        "booked": booked, "cancelled": cancelled, "moved": moved,
        "messages": [r["text"] for r in db.query("SELECT text FROM messages ORDER BY id")],
        "new_contacts": [r["name"] for r in db.query("SELECT name FROM contacts WHERE id > 2")],
        "summary": action.summary if action is not None else "", "said": " ".join(said),
        "action": action.kind if action else None,
    }
    kind = ("transfer" if result["action"] == "transfer" else "booked" if booked else "cancelled" if cancelled
            else "moved" if moved else "message" if result["messages"] else
            "hangup" if result["action"] == "hangup" else "nothing")
    if scenario.expect == "hangup" and kind == "nothing":
        kind = "nothing"
    reason = ""
    if unconfirmed:
        reason = "booked without asking for a yes"
    elif kind != scenario.expect and not (scenario.expect == "nothing" and kind == "hangup"):
        reason = f"expected {scenario.expect}, got {kind}"
    elif not scenario.check(result):
        reason = "outcome check failed"
    return Outcome(scenario, reason == "", turns, result, reason)


def report(outcomes: list[Outcome], model: str) -> str:
    passed = sum(o.passed for o in outcomes)
    lines = [f"dialogue scenarios with LLM fallback {model}: {passed}/{len(outcomes)} passed "
             f"({passed / len(outcomes):.0%}), {sum(o.turns for o in outcomes) / len(outcomes):.1f} caller turns per task"]
    lines += [f"  FAIL {o.scenario.name}: {o.reason}" for o in outcomes if not o.passed]
    lines.append(json.dumps({"bench": "dialogue", "model": model, "scenarios": len(outcomes), "passed": passed,
                             "success_rate": round(passed / len(outcomes), 3),
                             "turns_per_task": round(sum(o.turns for o in outcomes) / len(outcomes), 2)}))
    return "\n".join(lines)
