"""One harness for the load test, the benchmarks and the tests that need a real server or database.

server.py     a free loopback port, the app's environment, `flask` commands, gunicorn started and stopped
browser.py    a signed-in browser over http.client: cookie jar, CSRF token, sign-in through the form
databases.py  PostgreSQL databases created and dropped (never WITH (FORCE)), users inserted directly
wrk.py        one wrk run with its figures parsed
report.py     percentiles, text and Markdown tables, results written to bench/results/
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
