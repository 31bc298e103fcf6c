"""gunicorn settings for `make serve` (`--config python:microblog.push.gunicorn_conf`).

gevent workers: an open stream is an idle greenlet (~20 KiB), not a pinned worker or thread, so pages
stay fast with thousands of streams open (README "Live push", bench/README.md). On shutdown the open
streams are ended at once (the browsers reconnect to the next worker), so a graceful stop does not wait
out graceful_timeout on connections that never finish.
"""

import threading
import time

worker_class = "gevent"
worker_connections = 10_000  # per worker: open streams + requests in flight
graceful_timeout = 15


def post_worker_init(worker):
    from microblog.push import close_all_streams

    def end_streams_on_exit():
        while worker.alive:  # SIGTERM (handle_exit) and SIGQUIT clear it
            time.sleep(0.5)
        close_all_streams()

    threading.Thread(target=end_streams_on_exit, name="push-shutdown", daemon=True).start()
