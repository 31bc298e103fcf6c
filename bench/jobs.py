"""Job libraries compared for README "Background jobs" (issue 23): enqueue latency and jobs drained per second.

Not part of the suite or of `make bench`: run by hand in a scratch venv with the candidates installed
(`pip install huey peewee rq redis procrastinate dramatiq "psycopg[binary]"`), a Redis on REDIS_URL and a
PostgreSQL on PG_URL (a libpq URL, e.g. postgresql://user:pw@127.0.0.1/db):

    python bench/jobs.py

Each candidate enqueues N no-op jobs one by one (p50/p99 of one enqueue, in ms), then (where the library has
an in-process worker) one worker drains them (jobs per second, enqueue to done). Numbers go in README.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

N = int(os.environ.get("N", "500"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6399/0")
PG_URL = os.environ.get("PG_URL", "postgresql://microblog_ci:microblog_ci_pw@127.0.0.1:5432/microblog_h23")


def noop(i=0):
    return i


def latencies(enqueue) -> tuple[float, float]:
    times = []
    for i in range(N):
        start = time.perf_counter()
        enqueue(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def report(name, lat, drain=None, extra=""):
    rate = f"{drain:,.0f} jobs/s" if drain else "-"
    print(f"| {name} | {lat[0]:.2f} / {lat[1]:.2f} ms | {rate} | {extra} |", flush=True)


def huey_case(name, huey):
    task = huey.task()(noop)
    huey.flush()
    lat = latencies(lambda i: task(i))
    consumer = huey.create_consumer(
        workers=1, worker_type="thread", periodic=False, initial_delay=0.001, max_delay=0.01, backoff=1.0
    )
    start = time.perf_counter()
    consumer.start()
    while len(huey) > 0:
        time.sleep(0.005)
    drained = N / (time.perf_counter() - start)
    consumer.stop(graceful=True)
    report(name, lat, drained)


def main():
    print("| library, storage | enqueue p50 / p99 | one worker drains | notes |")
    print("| --- | --- | --- | --- |")
    from huey import RedisHuey
    from huey.contrib.sql_huey import SqlHuey

    with tempfile.TemporaryDirectory() as tmp:
        huey_case("Huey, SQL storage on SQLite", SqlHuey("bench", database=f"sqlite:///{tmp}/jobs.db", results=False))
    huey_case(
        "Huey, SQL storage on PostgreSQL",
        SqlHuey("bench", database=PG_URL.replace("postgresql:", "psycopg3:"), results=False),
    )
    huey_case("Huey, Redis", RedisHuey("bench", url=REDIS_URL, results=False))

    import redis
    from rq import Queue, SimpleWorker

    conn = redis.Redis.from_url(REDIS_URL)
    queue = Queue("bench", connection=conn)
    queue.empty()
    lat = latencies(lambda i: queue.enqueue("operator.abs", i))  # RQ refuses __main__'s functions
    start = time.perf_counter()
    SimpleWorker([queue], connection=conn).work(burst=True, logging_level="ERROR")
    report(
        "RQ + Redis (the tutorial's)", lat, N / (time.perf_counter() - start), "periodic jobs need rq-scheduler or cron"
    )

    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    dramatiq.set_broker(RedisBroker(url=REDIS_URL))
    actor = dramatiq.actor(noop, queue_name="bench")
    report("Dramatiq + Redis", latencies(lambda i: actor.send(i)), None, "periodic jobs need another library")

    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=PG_URL))
    with app.open():
        try:
            app.schema_manager.apply_schema()
        except Exception:  # noqa: BLE001 - already applied
            pass
        job = app.task(name="noop")(noop)
        report("Procrastinate (PostgreSQL only)", latencies(lambda i: job.defer(i=i)), None, "no SQLite")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()
