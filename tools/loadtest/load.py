"""The load itself: senders, badge pollers and stream holders, each a signed-in browser in its own thread."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from tools.harness.browser import HTMX, Browser, Result, badge_count

PASSWORD = "load-test-password"


@dataclass
class Size:
    senders: int
    messages: int
    pollers: int
    poll_interval: float
    deadline: float  # seconds: the load phase stops here whatever happens
    max_requests: int
    send_pause: float  # a sender waits up to this long between two messages
    streams: int = 0  # users who hold /events open instead of polling


FULL = Size(
    senders=50,
    messages=20,
    pollers=200,
    poll_interval=1.0,
    deadline=120,
    max_requests=40_000,
    send_pause=1.0,
    streams=200,
)
SHORT = Size(
    senders=10, messages=6, pollers=30, poll_interval=0.5, deadline=25, max_requests=6_000, send_pause=1.0, streams=30
)


class Recorder:
    """Every answer of the load (a Browser's `record`); sets `stop` after `max_requests`."""

    def __init__(self, max_requests: int):
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.max_requests = max_requests
        self.stop = threading.Event()

    def add(self, result: Result) -> None:
        with self.lock:
            # Keep bodies of failures only (they are checked for stack traces); successes need no body.
            if result.status < 500 and result.status != 0:
                result.body = ""
            self.results.append(result)
            if len(self.results) >= self.max_requests:
                self.stop.set()


@dataclass
class Sent:
    body: str
    recipient: str
    status: int
    started: float


@dataclass
class Load:
    port: int
    size: Size
    recorder: Recorder
    rng: random.Random
    run_id: str
    clients: dict[str, Browser] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    sent_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def recipient(self) -> str:
        return "target"

    def names(self) -> list[str]:
        return (
            [self.recipient]
            + [f"sender{i}" for i in range(self.size.senders)]
            + [f"poller{i}" for i in range(self.size.pollers)]
            + [f"stream{i}" for i in range(self.size.streams)]
        )

    def login_all(self) -> None:
        names = self.names()
        failures: list[str] = []
        gate = threading.Semaphore(8)

        def one(name: str) -> None:
            with gate:
                client = Browser(self.port, name, self.recorder.add)
                if client.sign_in(PASSWORD):
                    self.clients[name] = client
                else:
                    failures.append(name)

        run_threads([lambda n=n: one(n) for n in names])
        if failures:
            raise RuntimeError(f"{len(failures)} users could not sign in, e.g. {failures[:3]}")

    def sender(self, name: str, pause: float) -> None:
        client = self.clients[name]
        others = [n for n in self.clients if n != name]
        for i in range(self.size.messages):
            if self.recorder.stop.is_set():
                return
            to = self.recipient if i % 2 == 0 else self.rng.choice(others)
            body = f"{self.run_id} {name} #{i}"
            result = client.request(
                "send", "POST", f"/send_message/{quote(to)}", {"csrf_token": client.csrf, "message": body}
            )
            with self.sent_lock:
                self.sent.append(Sent(body, to, result.status, result.started))
            time.sleep(self.rng.uniform(0, pause))

    def poller(self, name: str, reads: bool) -> None:
        client = self.clients[name]
        shown = 0
        since = 0.0
        rng = random.Random(self.rng.random())
        time.sleep(rng.uniform(0, self.size.poll_interval))
        i = 0
        while not self.recorder.stop.is_set():
            i += 1
            result = client.request("badge", "GET", f"/notifications/badge?shown={shown}", headers=HTMX)
            if result.status == 200:
                count = badge_count(result.body)
                shown = count if count is not None else shown
            if i % 10 == 0:
                feed = client.request("notifications", "GET", f"/notifications?since={since!r}")
                if feed.status == 200:
                    try:
                        since = max([since] + [n["timestamp"] for n in json.loads(feed.body or "[]")])
                    except (ValueError, KeyError, TypeError):
                        pass
            if reads and i % 5 == 0:
                client.request("messages", "GET", "/messages")
            self.recorder.stop.wait(rng.uniform(0.5, 1.5) * self.size.poll_interval)

    def streamer(self, name: str, stop: threading.Event, shown: dict[str, int], reconnects: list[str]) -> None:
        """A browser tab with push: /events open, the badge refetched on each `unread`, never polled.
        A dropped stream reconnects after the server's `retry` (2 s), with the count it shows."""
        client = self.clients[name]
        shown[name] = 0
        first = True
        while not stop.is_set():
            if not first:
                reconnects.append(name)
                stop.wait(2.0)
            first = False
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=40)
                conn.request(
                    "GET", f"/events?shown={shown[name]}", headers={"Accept": "text/event-stream", "Cookie": cookie}
                )
                response = conn.getresponse()
                if response.status != 200:
                    client.record(
                        Result(
                            "events", response.status, 0.0, time.monotonic(), response.read().decode("utf-8", "replace")
                        )
                    )
                    conn.close()
                    continue
                while not stop.is_set():
                    line = response.readline()
                    if not line or line.startswith(b"event: close"):
                        break
                    if line.startswith(b"event: unread"):
                        badge = client.request(
                            "badge", "GET", f"/notifications/badge?shown={shown[name]}", headers=HTMX
                        )
                        if badge.status == 200:
                            count = badge_count(badge.body)
                            shown[name] = count if count is not None else shown[name]
                conn.close()
            except (OSError, http.client.HTTPException):
                continue

    def start_streams(self) -> tuple[threading.Event, dict[str, int], list[str]]:
        stop, shown, reconnects = threading.Event(), {}, []
        start_threads(
            [lambda n=n: self.streamer(n, stop, shown, reconnects) for n in self.clients if n.startswith("stream")]
        )
        return stop, shown, reconnects

    def run(self, during=None) -> float:
        """Senders and pollers at once; returns the wall time. `during` runs alongside (the fault)."""
        pollers = [n for n in self.clients if n.startswith("poller")] + [self.recipient]
        readers = set(pollers[:: max(1, len(pollers) // 10)]) | {self.recipient}
        senders = [n for n in self.clients if n.startswith("sender")]
        started = time.monotonic()
        timer = threading.Timer(self.size.deadline, self.recorder.stop.set)
        timer.start()
        poll_threads = start_threads([lambda n=n: self.poller(n, n in readers) for n in pollers])
        extra = start_threads([during]) if during else []
        send_threads = start_threads([lambda n=n: self.sender(n, self.size.send_pause) for n in senders])
        for thread in extra:
            thread.join()
            self.recorder.stop.set()  # the scenario alongside decides when the load ends
        for thread in send_threads:
            thread.join()
        self.recorder.stop.set()
        timer.cancel()
        for thread in poll_threads:
            thread.join()
        return time.monotonic() - started


def start_threads(targets) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    return threads


def run_threads(targets) -> None:
    for thread in start_threads(targets):
        thread.join()
