"""gunicorn config for tools/bench/stream_memory.py: `make serve`'s config, plus tracemalloc in the worker and
a watcher that writes a memory report when the tool asks (a file `<name>.ask` in STREAM_MEMORY_DIR)."""

import os
import threading
import time

from microblog.push.gunicorn_conf import *  # noqa: F403 - the served config, unchanged
from microblog.push.gunicorn_conf import post_worker_init as _served_post_worker_init

FRAMES = int(os.environ.get("STREAM_MEMORY_FRAMES", "1"))


def post_worker_init(worker):
    import tracemalloc

    if FRAMES > 0:  # 0: no tracing (RSS undisturbed)
        tracemalloc.start(FRAMES)
    _served_post_worker_init(worker)
    folder = os.environ["STREAM_MEMORY_DIR"]

    def watch():
        from tools.bench.stream_memory import report

        snapshots = {}
        while worker.alive:
            for name in sorted(os.listdir(folder)):
                if name.endswith(".ask"):
                    os.unlink(os.path.join(folder, name))
                    label = name[: -len(".ask")]
                    text = report(label, snapshots)
                    with open(os.path.join(folder, label + ".txt"), "w") as out:
                        out.write(text)
            time.sleep(0.2)

    threading.Thread(target=watch, name="stream-memory", daemon=True).start()
