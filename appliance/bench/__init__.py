"""Benchmarks that print a human table and one JSON line."""
