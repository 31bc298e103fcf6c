"""`make worker`: Huey consumers for the background jobs, in production (README "Background jobs").

    python -m microblog.jobs.worker [--workers 4]

Each run is one process with N worker threads and the periodic scheduler; run one per host, or several:
jobs are taken once from the shared queue (FOR UPDATE SKIP LOCKED), and what must happen once is claimed
in our own tables. Settings come from the environment, as for `make serve` (DATABASE_URL, SECRET_KEY,
MAIL_*, SERVER_NAME/PUBLIC_URL). SIGTERM stops it after the jobs under way.
"""

from __future__ import annotations

import argparse
import logging
import os


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run the background-job workers.")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("JOB_WORKERS", "4")))
    parser.add_argument(
        "--max-delay",
        type=float,
        default=float(os.environ.get("JOBS_POLL_MAX_SECONDS", "5")),
        help="longest wait between two looks at an empty queue, seconds",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")

    from .. import create_app
    from . import huey

    create_app({"JOBS_EMBEDDED": False})
    consumer = huey.create_consumer(
        workers=args.workers,
        worker_type="thread",
        periodic=True,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=args.max_delay,
        graceful_signal="TERM",
    )  # a service manager's stop lets jobs finish
    consumer.run()


if __name__ == "__main__":
    main()
