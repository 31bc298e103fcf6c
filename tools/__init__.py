"""Tooling around the app, not shipped in the wheel: the shared harness, the load test and the benchmark.

tools/harness/    start gunicorn, sign in, PostgreSQL databases, wrk, report tables (used by all below)
tools/loadtest/   the load and fault test (python -m tools.loadtest, tests/load/)
tools/bench/      the benchmark's endpoints, rounds and targets (python -m bench.run)
"""
