"""Sends per second on one PostgreSQL with and without NOTIFY (`make bench-sends`, bench/README.md "Sends").

`publish()` runs `pg_notify()` in the sending transaction, and PostgreSQL serialises the commits of
transactions that notified (a database-wide lock held from the queue insert until the commit is flushed).
This measures what that costs with 1, 8 and 32 concurrent senders, at two levels:

- app:  the app's own write, `microblog.messages.acts.send()` (lock, store, counts, 2 notifications, commit), in
        N forked processes (as N gunicorn workers would run it); NOTIFY off = `SSE_ENABLED` off.
- bare: one INSERT and commit per transaction (+ the same 2 `pg_notify()` calls) on N connections from
        threads: the database's own ceiling, with almost no Python in the way.

Sender i writes to recipient i (no two senders wait on one recipient's lock). One LISTEN connection drains
the channel meanwhile, as each worker's does. The cells run interleaved (round after round, the order of
"with" and "without" alternating), each `--seconds` long; a row shows the median round and the range.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time

import sqlalchemy as sa

from tools.harness import databases
from tools.harness.report import markdown_table, write_results
from tools.harness.server import app_env, flask

CHANNEL = "microblog_events"  # microblog/push/fanout.py's
SENDERS = (1, 8, 32)


def libpq(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def app_sender(app, i: int, notify: bool, seconds: float, barrier, out) -> None:
    """One forked process: send from s<i> to r<i> for `seconds` after the barrier; put the count."""
    from microblog.extensions import db
    from microblog.messages.acts import send
    from microblog.users.models import User

    app.config["SSE_ENABLED"] = notify  # publish() does nothing when off
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's pool is not ours
        sender, recipient = User.by_username(f"s{i}"), User.by_username(f"r{i}")
        send(sender, recipient, "warm-up")
        barrier.wait()
        count, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            send(sender, recipient, f"message {count}")
            count += 1
        out.put(count)
        db.session.remove()
        db.engine.dispose()


def run_app(app, n: int, notify: bool, seconds: float) -> int:
    """Sends done by `n` sender processes in `seconds` (their warm-up sends not counted)."""
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(n + 1), ctx.Queue()
    procs = [ctx.Process(target=app_sender, args=(app, i, notify, seconds, barrier, out)) for i in range(n)]
    for proc in procs:
        proc.start()
    barrier.wait(120)
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    for proc in procs:
        proc.join(30)
    return total


def run_bare(url: str, n: int, notify: bool, seconds: float) -> int:
    """Transactions committed by `n` connections in `seconds`."""
    import psycopg

    counts = [0] * n
    barrier = threading.Barrier(n)

    def sender(i: int) -> None:
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            barrier.wait()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                with conn.transaction():
                    conn.execute("INSERT INTO bench_send (sender, body) VALUES (%s, 'hi')", (i,))
                    if notify:
                        conn.execute(
                            "SELECT pg_notify(%s, %s), pg_notify(%s, %s)",
                            (CHANNEL, f"{i + 1000}:unread,message", CHANNEL, f"{i}:message"),
                        )
                counts[i] += 1

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


class Drain(threading.Thread):
    """One LISTEN connection that reads every notification, as a worker's fan-out does; counts them."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.received, self.stopping = url, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(libpq(self.url), autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            while not self.stopping.is_set():
                self.received += sum(1 for _ in conn.notifies(timeout=0.5))


def prepare(url: str):
    """Migrate, insert s<i> and r<i>, the bare table; the app (not connected yet: the senders fork)."""
    flask(app_env(url), "db", "upgrade", timeout=180)
    names = [f"{p}{i}" for p in "sr" for i in range(max(SENDERS))]
    databases.insert_users(url, names, "bench-sends-pw")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_send (id bigserial PRIMARY KEY, sender int, body text)")
        settings = dict(
            conn.exec_driver_sql(
                "SELECT name, setting FROM pg_settings WHERE name IN"
                " ('fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay', 'server_version')"
            ).all()
        )
    engine.dispose()
    os.environ.pop("TEST_DATABASE_URL", None)
    from microblog import create_app

    pool = {"pool_size": 1, "max_overflow": 1}  # per sender process
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": pool, "RATELIMIT_ENABLED": False})
    return app, settings


def report(cells: dict, settings: dict, args) -> str:
    def cell(level, n, notify):
        rates = cells[(level, n, notify)]
        return statistics.median(rates), f"{statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f})"

    rows = []
    for n in SENDERS:
        row = [n]
        for level in ("app", "bare"):
            (_, off_text), (_, on_text) = cell(level, n, False), cell(level, n, True)
            # Paired by round (measured seconds apart), so a neighbour's burst moves both sides alike.
            costs = [1 - on / off for off, on in zip(cells[(level, n, False)], cells[(level, n, True)])]
            row += [off_text, on_text, f"{statistics.median(costs):.0%} ({min(costs):.0%} to {max(costs):.0%})"]
        rows.append(row)
    head = ["senders", "app: no NOTIFY", "app: NOTIFY", "cost", "bare: no NOTIFY", "bare: NOTIFY", "cost"]
    lines = markdown_table(head, rows)
    lines.append("")
    lines.append(
        f"sends/s, median of {args.rounds} interleaved rounds of {args.seconds:g} s (min-max); cost = 1 - NOTIFY/no NOTIFY, per round: median (range)."
    )
    lines.append("PostgreSQL: " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one cell")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if not admin_url:
        print("BENCH_DATABASE_URL (PostgreSQL) is needed: <its name>_sends is dropped and re-created", file=sys.stderr)
        return 2
    admin_url = databases.psycopg_url(admin_url)
    name = databases.database_name(admin_url) + "_sends"
    url = databases.create(admin_url, name, replace=True)
    try:
        app, settings = prepare(url)
        drain = Drain(url)
        drain.start()
        cells: dict = {}
        notified = 0  # notifying transactions: 2 notifications each
        load = [os.getloadavg()[0]]
        for r in range(args.rounds):
            for k, n in enumerate(SENDERS):
                for notify in (False, True) if (r + k) % 2 == 0 else (True, False):
                    for level in ("app", "bare"):
                        if level == "app":
                            done = run_app(app, n, notify, args.seconds)
                            notified += (done + n) * notify  # + each process's warm-up send
                        else:
                            done = run_bare(url, n, notify, args.seconds)
                            notified += done * notify
                        rate = done / args.seconds
                        cells.setdefault((level, n, notify), []).append(rate)
                        what = "NOTIFY   " if notify else "no NOTIFY"
                        print(f"round {r + 1} {level:4} {n:2} senders {what} {rate:8,.0f}/s", flush=True)
            load.append(os.getloadavg()[0])
        deadline = time.monotonic() + 10
        while drain.received < 2 * notified and time.monotonic() < deadline:
            time.sleep(0.1)
        drain.stopping.set()
        drain.join(5)
    finally:
        databases.drop(admin_url, name)
    text = report(cells, settings, args)
    text += f"\nload average (1 min) at each round's end: {', '.join(f'{x:.1f}' for x in load)}"
    text += f"\nnotifications received by the LISTEN connection: {drain.received:,} of {2 * notified:,} sent"
    print(text)
    data = {"args": vars(args), "settings": settings, "load": load, "notifications": [drain.received, 2 * notified]}
    data["cells"] = {f"{level}-{n}-{'notify' if notify else 'plain'}": v for (level, n, notify), v in cells.items()}
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.gmtime())
    write_results(f"{stamp}-sends", data, text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
