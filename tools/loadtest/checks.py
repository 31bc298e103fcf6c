"""After the load: every message stored exactly once, every count equal to the database, no 5xx; the table."""

from __future__ import annotations

import json
import statistics
import threading
import time

import sqlalchemy as sa

from tests import truth
from tools.harness.browser import HTMX, Browser, Result, badge_count
from tools.harness.report import percentile, text_table
from tools.harness.server import Server

from .load import Load, Recorder, run_threads


def check_exactness(load: Load, database_url: str, problems: list[str]) -> dict:
    """Messages stored exactly once; badge, JSON and /messages equal the database truth for every user."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = dict(
                conn.execute(
                    sa.text("SELECT body, count(*) FROM message WHERE body LIKE :p GROUP BY body"),
                    {"p": load.run_id + " %"},
                ).all()
            )
            truth = _truth(conn)
    finally:
        engine.dispose()
    ok = [s for s in load.sent if s.status == 303]
    refused = [s for s in load.sent if 400 <= s.status < 600]
    unknown = [s for s in load.sent if s.status == 0]
    duplicates = [b for b, n in stored.items() if n != 1]
    lost = [s.body for s in ok if s.body not in stored]
    ghost = [s.body for s in refused if s.body in stored]
    if duplicates:
        problems.append(f"{len(duplicates)} messages stored more than once, e.g. {duplicates[:2]}")
    if lost:
        problems.append(f"{len(lost)} messages answered 303 but not stored, e.g. {lost[:2]}")
    if ghost:
        problems.append(f"{len(ghost)} messages answered with an error but stored, e.g. {ghost[:2]}")
    extra = len(stored) - len(ok) - len([s for s in unknown if s.body in stored])
    if extra:
        problems.append(f"{extra} stored messages nobody got a success for")

    mismatches: list[str] = []
    lock = threading.Lock()
    gate = threading.Semaphore(8)

    def one(name: str, client: Browser) -> None:
        with gate:
            uid, expected = truth[name]
            badge = client.request("verify", "GET", "/notifications/badge", headers=HTMX)
            got_badge = badge_count(badge.body) if badge.status == 200 else f"HTTP {badge.status}"
            feed = client.request("verify", "GET", "/notifications")
            got_feed = None
            if feed.status == 200:
                got_feed = 0
                for n in json.loads(feed.body):
                    if n["name"] == "unread_message_count":
                        got_feed = n["data"]
            inbox = client.request("verify", "GET", "/messages")
            got_inbox = badge_count(inbox.body) if inbox.status == 200 else f"HTTP {inbox.status}"
            wrong = []
            if got_badge != expected:
                wrong.append(f"badge {got_badge}")
            if got_feed != expected:
                wrong.append(f"json {got_feed}")
            with lock:
                if wrong:
                    mismatches.append(f"{name}: truth {expected}, " + ", ".join(wrong))
                inbox_counts[name] = got_inbox

    inbox_counts: dict[str, object] = {}
    run_threads([lambda n=n, c=c: one(n, c) for n, c in load.clients.items()])
    # /messages marked the newest page read: what it showed must equal the truth after it did so.
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            after = _truth(conn)
    finally:
        engine.dispose()
    for name, shown in inbox_counts.items():
        if shown != after[name][1]:
            mismatches.append(f"{name}: /messages shows {shown}, truth {after[name][1]}")
    if mismatches:
        problems.append(f"{len(mismatches)} users' counts disagree with the database, e.g. {mismatches[:3]}")
    return {
        "sent_ok": len(ok),
        "refused": len(refused),
        "no_answer": len(unknown),
        "stored": len(stored),
        "users_checked": len(inbox_counts),
        "mismatches": len(mismatches),
        "target_unread": truth[load.recipient][1],
    }


def check_push(load: Load, database_url: str, shown: dict[str, int], problems: list[str]) -> dict:
    """Every stream holder's badge, moved by push alone, equals the database within 5 s."""
    engine = sa.create_engine(database_url)
    try:
        deadline = time.monotonic() + 5.0
        while True:
            with engine.connect() as conn:
                truth = _truth(conn)
            wrong = [f"{n}: shows {c}, truth {truth[n][1]}" for n, c in shown.items() if c != truth[n][1]]
            if not wrong or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    if len(shown) != load.size.streams:
        problems.append(f"only {len(shown)} of {load.size.streams} streams ran")
    if wrong:
        problems.append(f"{len(wrong)} stream holders' badges are wrong 5 s after the load, e.g. {wrong[:3]}")
    return {"streams": len(shown), "stream_mismatches": len(wrong), "stream_unread": sum(truth[n][1] for n in shown)}


def _truth(conn) -> dict[str, tuple[int, int]]:
    """{username: (id, unread messages)} from the tests' one oracle (tests/truth.py: plain SQL on the tables)."""
    return {name: (counts.user_id, counts.messages) for name, counts in truth.everyone(conn).items()}


def check_errors(recorder: Recorder, server: Server, problems: list[str], allow_503=None, allow_no_answer=None) -> None:
    """No 5xx (outside the outage window: only 503s with a clear message, never a stack trace); no request
    left without an answer (except those a killed worker was serving)."""
    bad = []
    for r in recorder.results:
        if r.status >= 500 or r.status == 0:
            if allow_503 is not None and r.status == 503 and allow_503(r):
                continue
            if allow_no_answer is not None and r.status == 0 and allow_no_answer(r):
                continue
            bad.append(r)
    if bad:
        sample = bad[0]
        problems.append(
            f"{len(bad)} requests failed (5xx or no answer), e.g. {sample.endpoint} "
            f"HTTP {sample.status}: {sample.body[:200]!r}"
        )
    for r in recorder.results:
        if r.status >= 500 and ("Traceback" in r.body or 'File "/' in r.body):
            problems.append(f"a {r.status} answer to {r.endpoint} shows a stack trace")
            break
    log = server.log_text()
    if "database is locked" in log:
        problems.append("the server log says 'database is locked'")
    if "[CRITICAL] WORKER TIMEOUT" in log or "Worker exiting" in log:
        problems.append("a gunicorn worker timed out or died")


def table(title: str, recorder: Recorder, wall: float) -> str:
    by: dict[str, list[Result]] = {}
    for r in recorder.results:
        by.setdefault(r.endpoint, []).append(r)
    order = ["login", "send", "badge", "notifications", "messages", "verify", "probe"]
    rows = []
    for name in sorted(by, key=lambda n: order.index(n) if n in order else 99):
        rs = by[name]
        times = [r.seconds * 1000 for r in rs]
        statuses: dict[int, int] = {}
        for r in rs:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        rows.append(
            [
                name,
                len(rs),
                sum(1 for r in rs if r.status >= 500 or r.status == 0),
                f"{statistics.median(times):.1f}",
                f"{percentile(times, 0.99):.1f}",
                "  " + " ".join(f"{k}:{v}" for k, v in sorted(statuses.items())),
            ]
        )
    columns = [("endpoint", -14), ("requests", 9), ("errors", 8), ("p50 ms", 9), ("p99 ms", 9), ("  statuses", -1)]
    total = len(recorder.results)
    errors = sum(1 for r in recorder.results if r.status >= 500 or r.status == 0)
    return "\n".join(
        [
            title,
            *text_table(columns, rows),
            f"{'total':<14}{total:>9}{errors:>8}   in {wall:.1f} s of load ({total / max(wall, 0.001):.0f} req/s overall)",
        ]
    )
