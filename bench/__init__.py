"""Benchmarks that print figures; run them with `python -m bench`. Never part of the test run."""
