"""Load and fault test: gunicorn with several workers on PostgreSQL and on SQLite, loopback only.

    python -m tools.loadtest [--short] [--only pg,sqlite,fault] [--pg-url URL] [--workers 4]   (make loadtest)

Each scenario starts its own gunicorn (production settings, a fresh database it creates, migrates and drops),
seeds users directly, signs them in through the login form, then runs senders and badge pollers at once:

- pg, sqlite: every sender sends its messages (half to one recipient, half to random users) while the
  pollers poll their badges (and now and then the JSON feed and /messages, which marks messages read),
  and stream holders keep `/events` open like a browser tab (refetching the badge on each `unread` event,
  reconnecting when the stream drops, and never polling).
- fault (PostgreSQL only, on a cluster of its own on port 5439 so the machine's main cluster is never
  touched): the same load, and meanwhile the push listeners' connections are terminated, a worker holding
  streams is killed (SIGKILL), and the database is stopped for a few seconds and started again.

Afterwards every message that got a success must be stored exactly once (and none that got an error),
and for every user the badge, the JSON payload and /messages must equal the database truth
(messages with an id above the recipient's watermark in their conversation); every stream holder's badge,
kept by push alone, must equal it within 5 s. Exit status 0 only when every check holds.

PostgreSQL: --pg-url, else LOADTEST_PG_URL, else TEST_DATABASE_URL: a role that may CREATE DATABASE. As root
with no URL, a role `microblog_load` is created on the main cluster through `runuser -u postgres psql`.

    load.py       the senders, pollers and stream holders (signed-in browsers of tools/harness)
    checks.py     exactness, push and error checks after the load; the table
    cluster.py    the main cluster's admin URL and the fault test's own cluster on port 5439
    scenarios.py  scenario_load (pg, sqlite) and scenario_fault
    cli.py        main(): the options, which scenarios run, the verdict
"""
