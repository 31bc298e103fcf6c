"""One load-generator process of `make bench-tabs`: the tabs of some users on one asyncio loop (bench/tab.py
says what a tab does). Users are never split across processes, so a send and its recipient's events are
timed by one clock and matched in one place."""

from __future__ import annotations

import asyncio
import random
import resource
import time
from urllib.parse import urlencode

from .tab import PAGES, Badge, Stats, parse_badge, parse_form, parse_stream
from tools.harness.server import stream_request

HTMX = {"HX-Request": "true"}


class Client:
    def __init__(self, port: int, cookies: dict[str, str], tabs: dict[str, int], senders: set[str], opts: dict):
        self.port, self.cookies, self.opts = port, cookies, opts
        self.tabs = tabs  # user -> number of tabs
        self.senders = senders
        self.recipients = [u for u in tabs if u not in senders]
        self.stats = Stats()
        # (user, tab) -> the badge and the sse-connect URL of the tab's last page (tab -1: the first page)
        self.badges: dict[tuple[str, int], Badge] = {}
        self.streams: dict[tuple[str, int], str] = {}
        self.arrivals: dict[str, list[list[float]]] = {u: [[] for _ in range(n)] for u, n in tabs.items()}
        self.busy: set[str] = set()  # recipients with a send in flight
        self.page_started: dict[tuple[str, int], float] = {}  # (user, tab) -> its last page load's start
        self.opened = 0
        self.window = False

    async def request(self, method: str, path: str, user: str, headers=None, form=None) -> tuple[int, str]:
        """One request on its own connection (a tab's next one comes after gunicorn's 2 s keep-alive)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            body = urlencode(form).encode() if form is not None else b""
            lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close"]
            lines.append(f"Cookie: session={self.cookies[user]}")
            if form is not None:
                lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            raw = await reader.read()
        finally:
            writer.close()
        head, _, text = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        for line in header_lines:
            if line.lower().startswith("set-cookie: session="):
                self.cookies[user] = line.split("=", 1)[1].split(";", 1)[0]
        return int(status_line.split()[1]), text.decode("utf-8", "replace")

    async def timed(self, kind: str, into: list[float], method: str, path: str, user: str, **kw):
        started = time.monotonic()
        try:
            status, text = await asyncio.wait_for(self.request(method, path, user, **kw), 30)
        except (TimeoutError, OSError, ValueError, IndexError):
            self.stats.error(f"{kind}: no answer")
            return None, ""
        if self.window:
            into.append((time.monotonic() - started) * 1000)
        if status >= 400:
            self.stats.error(f"{kind}: {status}")
        return status, text

    async def load_page(self, user: str, index: int, path: str) -> bool:
        self.page_started[user, index] = time.monotonic()
        status, text = await self.timed("page", self.stats.pages, "GET", path, user)
        if status != 200:
            return False
        badge, stream = parse_badge(text), parse_stream(text)
        if badge is None or stream is None:
            self.stats.error("page: no polling badge or no stream")
            return False
        self.badges[user, index], self.streams[user, index] = badge, stream
        return True

    async def poll(self, user: str, index: int) -> None:
        badge = self.badges[user, index]
        status, text = await self.timed("poll", self.stats.polls, "GET", badge.poll_path(), user, headers=HTMX)
        if status == 200:
            self.badges[user, index] = parse_badge(text) or badge  # the new count goes back in the next poll

    async def stream(self, user: str, index: int, first: bool) -> None:
        """Hold the stream of the user's last page until cancelled; note each `unread` event's arrival."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            self.stats.error("stream: no connection")
            return
        try:
            writer.write(stream_request(self.port, self.cookies[user], self.streams[user, index]))
            status = await reader.readline()
            if b" 200 " not in status:
                self.stats.error(f"stream: {status.decode().strip() or 'closed'}")
                return
            if first:
                self.opened += 1
            badge_polls = self.badges[user, index].on_event
            while line := await reader.readline():
                if line.startswith(b"event: unread"):
                    self.arrivals[user][index].append(time.monotonic())
                    if badge_polls:
                        asyncio.create_task(self.poll(user, index))  # hx-trigger "sse:unread"
            if self.window:
                self.stats.error("stream: ended by the server")
        except (OSError, asyncio.IncompleteReadError, ValueError):
            if self.window:
                self.stats.error("stream: dropped")
        finally:
            writer.close()

    async def tab(self, user: str, index: int, go: asyncio.Event, until: list[float]) -> None:
        """One tab: its stream now; after `go`, its polls and page loads until until[0]."""
        self.badges[user, index], self.streams[user, index] = self.badges[user, -1], self.streams[user, -1]
        holder = asyncio.create_task(self.stream(user, index, True))
        await go.wait()
        period = self.badges[user, index].period or 10.0
        next_poll = time.monotonic() + random.uniform(0, period)
        next_page = time.monotonic() + random.uniform(0, self.opts["page_seconds"])
        while (now := time.monotonic()) < until[0]:
            await asyncio.sleep(max(0.0, min(next_poll, next_page, until[0]) - now))
            now = time.monotonic()
            if now >= until[0]:
                break
            if now >= next_page:
                next_page = now + self.opts["page_seconds"] * random.uniform(0.8, 1.2)
                holder.cancel()  # a page load ends the old page's stream; the new page opens its own
                if await self.load_page(user, index, random.choice(PAGES)):
                    holder = asyncio.create_task(self.stream(user, index, False))
            if now >= next_poll:
                next_poll = now + period
                await self.poll(user, index)
        holder.cancel()

    async def sender(self, user: str, until: list[float]) -> None:
        """Every ~send_seconds: the thread page of a recipient with no send in flight, then its form posted
        as htmx posts it; the delay to each of the recipient's tabs' `unread` event."""
        await asyncio.sleep(
            random.uniform(0, max(0.0, min(self.opts["send_seconds"], until[0] - 6 - time.monotonic())))
        )
        while time.monotonic() < until[0] - 6:
            free = [r for r in self.recipients if r not in self.busy]
            if free:
                await self.send(user, random.choice(free))
            pause = self.opts["send_seconds"] * random.uniform(0.8, 1.2)
            await asyncio.sleep(max(0.0, min(pause, until[0] - 6 - time.monotonic())))

    async def send(self, user: str, recipient: str) -> None:
        self.busy.add(recipient)
        try:
            status, text = await self.timed("send", [], "GET", f"/messages/{recipient}", user)
            form = parse_form(text) if status == 200 else None
            if form is None:
                self.stats.error("send: no form")
                return
            action, token = form
            before = [len(a) for a in self.arrivals[recipient]]
            sent = time.monotonic()
            status, _ = await self.timed(
                "send",
                self.stats.sends,
                "POST",
                action,
                user,
                headers=HTMX,
                form={"csrf_token": token, "message": f"tab bench {time.monotonic():.3f}"},
            )
            answered = time.monotonic()
            if status != 200:
                return
            deadline = answered + 5
            while time.monotonic() < deadline:
                if all(len(a) > b for a, b in zip(self.arrivals[recipient], before)):
                    break
                await asyncio.sleep(0.01)
            for index, (arrived, b) in enumerate(zip(self.arrivals[recipient], before)):
                if len(arrived) > b:
                    self.stats.events.append(max(0.0, arrived[b] - answered) * 1000)
                elif self.page_started.get((recipient, index), 0) > sent:
                    # The tab loaded a page meanwhile: the page shows the new count, and its stream (told the
                    # count it shows) rightly sends no `unread` at connect.
                    self.stats.events_by_page += 1
                else:
                    self.stats.events_missing += 1
        finally:
            self.busy.discard(recipient)


def run(port: int, cookies, tabs, senders, opts: dict, control) -> None:
    """A process's life: each user's page once, its tabs' streams, then `control` says when the window runs."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    asyncio.run(_run(Client(port, cookies, tabs, senders, opts), control))


async def _run(client: Client, control) -> None:
    loop = asyncio.get_running_loop()
    for i, user in enumerate(client.tabs):
        if not await client.load_page(user, -1, "/index"):
            control.put(("failed", f"{user}: {client.stats.errors}"))
            return
        if i % 20 == 19:
            await asyncio.sleep(0.05)
    control.put(("paged", len(client.tabs)))
    await loop.run_in_executor(None, control.get_go)  # the parent measured RSS before the streams
    go, until, tasks = asyncio.Event(), [float("inf")], []
    pace = client.opts["open_per_second"]
    for user, n in client.tabs.items():
        for index in range(n):
            tasks.append(asyncio.create_task(client.tab(user, index, go, until)))
            await asyncio.sleep(1 / pace)
    expected = sum(client.tabs.values())
    deadline = time.monotonic() + 60
    while client.opened < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    control.put(("opened", client.opened))
    seconds = await loop.run_in_executor(None, control.get_go)  # RSS measured again; the window starts
    cpu = time.process_time()
    client.window, until[0] = True, time.monotonic() + seconds
    go.set()
    senders = [asyncio.create_task(client.sender(u, until)) for u in client.senders]
    await asyncio.gather(*tasks, *senders)
    client.window = False
    control.put(("done", {"cpu_seconds": time.process_time() - cpu, **client.stats.__dict__}))
