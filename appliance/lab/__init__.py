"""The test lab: a peer phone, scripted callers with voices other than the agent's, caller-side
measurement, and the demo clinic. Used by the demo, the benchmarks, set-up's self test and the
tests; the service itself never imports it."""
