"""The scenarios: load on one database (pg, sqlite), and load through a PostgreSQL outage (fault)."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa

from tools.harness import databases
from tools.harness.browser import HTMX, Browser, Result
from tools.harness.server import Server

from .checks import check_errors, check_exactness, check_push, table
from .cluster import FAULT_CLUSTER, FAULT_PORT, cluster_ctl
from .load import PASSWORD, Load, Recorder, Size

UNAVAILABLE_TEXT = "briefly unavailable"  # the 503 message (microblog/errors.py), English


def gunicorn(database_url: str, workers: int, workdir: Path) -> Server:
    """gunicorn as `make serve` runs it (gevent workers, the page gate), not started yet; its log in workdir."""
    return Server(database_url, workers, args=("--timeout", "60", "--graceful-timeout", "5"), logdir=workdir)


def scenario_load(kind: str, database_url: str, size: Size, workers: int, workdir: Path, seed_value: int) -> list[str]:
    problems: list[str] = []
    server = gunicorn(database_url, workers, workdir)
    server.migrate()
    recorder = Recorder(size.max_requests)
    load = Load(0, size, recorder, random.Random(seed_value), run_id=f"load-{secrets.token_hex(3)}")
    databases.insert_users(database_url, load.names(), PASSWORD)
    server.start()
    try:
        load.port = server.port
        load.login_all()
        stop_streams, shown, reconnects = load.start_streams()
        wall = load.run()
        push = check_push(load, database_url, shown, problems)
        stop_streams.set()
        load_results = list(recorder.results)
        check_errors(recorder, server, problems)
        verify = Recorder(10**9)
        for client in load.clients.values():
            client.record = verify.add
        summary = check_exactness(load, database_url, problems)
        check_errors(verify, server, problems)
        expected = size.senders * size.messages
        if summary["sent_ok"] != expected:
            problems.append(f"only {summary['sent_ok']} of {expected} sends were answered 303")
        if not any(r.endpoint == "badge" for r in load_results):
            problems.append("no badge poll ran")
    finally:
        server.stop(15)
    shown = Recorder(10**9)
    shown.results = load_results + verify.results
    print(
        table(
            f"\n== {kind}: gunicorn --workers {workers}; {size.senders} senders x {size.messages} messages, "
            f"{size.pollers} pollers",
            shown,
            wall,
        )
    )
    print(
        f"exactness: {summary['sent_ok']} sends answered 303, {summary['stored']} stored (each once: "
        f"{'yes' if not any('more than once' in p for p in problems) else 'NO'}), refused {summary['refused']}, "
        f"no answer {summary['no_answer']}; badge + JSON + /messages checked for {summary['users_checked']} users, "
        f"{summary['mismatches']} mismatches (recipient had {summary['target_unread']} unread)"
    )
    print(
        f"push: {push['streams']} streams (badges moved by push alone, {push['stream_unread']} unread in all), "
        f"{push['stream_mismatches']} wrong 5 s after the load; {len(reconnects)} reconnects"
    )
    return problems


def scenario_fault(
    admin_url: str, size: Size, workers: int, workdir: Path, seed_value: int, outage: float
) -> list[str]:
    problems: list[str] = []
    name = f"microblog_fault_{os.getpid()}"
    database_url = databases.create(admin_url, name)
    server = gunicorn(database_url, workers, workdir)
    timeline: dict[str, float] = {}
    try:
        server.migrate()
        recorder = Recorder(size.max_requests)
        load = Load(0, size, recorder, random.Random(seed_value), run_id=f"fault-{secrets.token_hex(3)}")
        databases.insert_users(database_url, load.names(), PASSWORD)
        server.start()
        load.port = server.port
        load.login_all()
        probe = Browser(server.port, load.recipient, recorder.add)
        probe.cookies, probe.csrf = dict(load.clients[load.recipient].cookies), load.clients[load.recipient].csrf

        def terminate_listeners() -> int:
            engine = sa.create_engine(database_url)
            try:
                with engine.connect() as conn:
                    return len(
                        conn.execute(
                            sa.text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND application_name = 'microblog-push-listener'"
                            )
                        ).all()
                    )
            finally:
                engine.dispose()

        def fault() -> None:
            time.sleep(2.0)
            timeline["listeners"] = time.monotonic()  # the push fan-out's connections go away
            timeline["listeners_killed"] = terminate_listeners()
            time.sleep(2.0)
            workers = subprocess.run(
                ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True
            ).stdout.split()
            timeline["kill"] = time.monotonic()  # a worker holding streams dies
            os.kill(int(workers[0]), signal.SIGKILL)
            time.sleep(2.0)
            timeline["stop"] = time.monotonic()
            cluster_ctl("stop")
            timeline["stopped"] = time.monotonic()
            time.sleep(outage)
            cluster_ctl("start")
            timeline["up"] = time.monotonic()
            # How long until the app answers normally again, without a restart: readiness and a badge poll.
            while time.monotonic() - timeline["up"] < 15:
                ready = probe.request("probe", "GET", "/readyz")
                badge = probe.request("probe", "GET", "/notifications/badge", headers=HTMX)
                if ready.status == 200 and badge.status == 200:
                    timeline["recovered"] = time.monotonic()
                    break
                time.sleep(0.1)
            time.sleep(2.0)  # keep the load on for a while after recovery

        # Slower senders so that sends span the whole outage.
        # Senders go on until the fault is over (under the 30-a-minute rate limit per sender).
        load.size = Size(
            size.senders,
            28,
            size.pollers,
            size.poll_interval,
            size.deadline + outage + 20,
            size.max_requests,
            send_pause=0.5,
            streams=size.streams,
        )
        stop_streams, shown, reconnects = load.start_streams()
        wall = load.run(during=fault)
        push = check_push(load, database_url, shown, problems)
        stop_streams.set()
        outage_end = timeline.get("up", 0) + 5.0

        def in_outage(r: Result) -> bool:
            # Still waiting (in gunicorn's queue or in flight) when the database stopped, or started before
            # it had been back for 5 s.
            return r.started + r.seconds >= timeline.get("stop", 1e18) and r.started <= outage_end

        def cut_by_the_kill(r: Result) -> bool:
            # In flight on the worker that was killed: the connection is reset, there is no answer to give.
            return r.started <= timeline.get("kill", -1) <= r.started + r.seconds + 0.5

        check_errors(recorder, server, problems, allow_503=in_outage, allow_no_answer=cut_by_the_kill)
        # Every 503 is a clear answer in the form of its route: JSON, an htmx fragment, or a page.
        seen: dict[str, int] = {}
        for r in recorder.results:
            if r.status != 503:
                continue
            seen[r.endpoint] = seen.get(r.endpoint, 0) + 1
            if r.endpoint == "notifications":
                ok = r.content_type.startswith("application/json") and UNAVAILABLE_TEXT in json.loads(r.body)["message"]
            elif r.endpoint == "badge":
                ok = 'id="error"' in r.body and "<html" not in r.body and UNAVAILABLE_TEXT in r.body
            elif r.endpoint == "probe" and r.content_type.startswith("application/json"):
                ok = json.loads(r.body).get("database") == "down"
            else:
                ok = "<html" in r.body and UNAVAILABLE_TEXT in r.body
            if not ok:
                problems.append(f"unclear 503 answer to {r.endpoint}: {r.body[:300]!r}")
                break
        if not seen:
            problems.append("no request got a 503 during the outage: the fault did not bite")
        if not timeline.get("listeners_killed"):
            problems.append("no push listener connection was found to terminate")
        if not reconnects:
            problems.append("no stream reconnected: the killed worker held none")
        if "recovered" not in timeline:
            problems.append("the app did not recover within 15 s of the database returning")
        elif timeline["recovered"] - timeline["up"] > 5:
            problems.append(f"recovery took {timeline['recovered'] - timeline['up']:.1f} s (> 5 s)")
        late = [r for r in recorder.results if r.started > outage_end and (r.status >= 500 or r.status == 0)]
        cut = sum(1 for r in recorder.results if r.status == 0 and cut_by_the_kill(r))
        timeline["cut"] = cut
        if late:
            problems.append(f"{len(late)} failures more than 5 s after the database returned")
        load_results = list(recorder.results)
        verify = Recorder(10**9)
        for client in load.clients.values():
            client.record = verify.add
        summary = check_exactness(load, database_url, problems)
        check_errors(verify, server, problems)
    finally:
        server.stop(15)
        cluster_ctl("start")
        try:
            databases.drop(admin_url, name)
        finally:
            cluster_ctl("stop")
    shown = Recorder(10**9)
    shown.results = load_results + verify.results
    print(
        table(
            f"\n== fault (PostgreSQL cluster {FAULT_CLUSTER}:{FAULT_PORT} stopped {outage:.0f} s under load): "
            f"gunicorn --workers {workers}",
            shown,
            wall,
        )
    )
    failed_503 = sum(1 for r in load_results if r.status == 503)
    print(
        f"outage: {failed_503} requests answered 503 (clear message, no stack trace: "
        f"{'yes' if not any('503 answer' in p or 'stack trace' in p for p in problems) else 'NO'}); "
        f"stop took {timeline.get('stopped', 0) - timeline.get('stop', 0):.1f} s; app serving again "
        f"{timeline.get('recovered', float('nan')) - timeline.get('up', 0):.2f} s after the database was up"
    )
    print(
        f"messages: {summary['sent_ok']} sends answered 303 and all stored once; {summary['refused']} refused "
        f"(503/429) and none stored; {summary['no_answer']} without answer; "
        f"{summary['mismatches']} count mismatches over {summary['users_checked']} users"
    )
    print(
        f"push: {timeline.get('listeners_killed', 0)} listener connections terminated, a worker killed "
        f"({timeline.get('cut', 0)} requests in flight on it got no answer), the "
        f"database stopped; {len(reconnects)} stream reconnects; {push['streams']} badges kept by push alone, "
        f"{push['stream_mismatches']} wrong 5 s after the load"
    )
    return problems
