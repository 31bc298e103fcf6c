"""Background jobs on Huey (README "Background jobs"): one queue, stored by Huey's SQL storage in a database.

Development (`make run`, SQLite): the queue lives in its own SQLite file beside the app's (`<db>-jobs.db`,
so the worker's polling never takes the app database's write lock) and one consumer thread runs inside
the development server. Production: the queue's `huey_*` tables live in the app's PostgreSQL (no other
service) and `make worker` runs consumers; Huey's SQL storage dequeues with FOR UPDATE SKIP LOCKED, so any
number of workers on any number of hosts take each job once. What must happen exactly once (an email) is
also claimed in our own tables (microblog.notifications.unread_email): the queue only carries the news.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from . import queue
from .queue import huey, queue_url

log = logging.getLogger("microblog.jobs")


def init_app(flask_app: Flask) -> None:
    """Point the queue at this app's database; in `flask run` (development), start the embedded worker."""
    queue._app = flask_app
    if flask_app.config["JOBS_EMBEDDED"] is None:  # the default (config.py): embedded except in production
        flask_app.config["JOBS_EMBEDDED"] = flask_app.config["ENV_NAME"] != "production"
    huey.storage.configure(
        flask_app.config.get("JOBS_DATABASE_URL") or queue_url(flask_app.config["SQLALCHEMY_DATABASE_URI"])
    )
    from . import tasks  # noqa: F401 - declares the tasks on `huey`

    if flask_app.config.get("JOBS_EMBEDDED") and os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        start_embedded()


def start_embedded():
    """One consumer thread inside this process (`make run`), with the periodic jobs; scans once at once."""
    from . import tasks

    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=True, max_delay=2.0)
    # Consumer.start() would also take over the dev server's signals: start its threads (daemons) alone.
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    tasks.scan_unread_email()
    log.info("background jobs: embedded worker started (queue %s)", huey.storage.url)
    return consumer


def enqueue(task, *args) -> None:
    """Queue a job from a web request: the queue's connection is closed at once (a request's greenlet or
    thread would otherwise keep a database connection of its own open)."""
    try:
        task(*args)
    finally:
        huey.storage.close()
