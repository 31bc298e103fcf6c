"""The benchmark behind `make bench` (bench/run.py, bench/README.md), on the harness of tools/harness/.

data.py      the data sizes; seeded databases (SQLite files kept in bench/data/, PostgreSQL re-created)
rounds.py    the endpoints; one gunicorn signed in as user1; wrk in interleaved rounds
targets.py   the tables (text, Markdown) and the targets as PASS/FAIL lines
"""
