"""Issue 24's "Measured" (bench/README.md "Pages on a phone"): the Nu HTML checker on every page, signed out and
in, English and Spanish, on the main htmx fragments and on every gallery sample; then, with --lighthouse,
Lighthouse mobile on /index, the thread and /post/<id> in light (alice, system scheme) and dark (bob, dark).

Neither tool is a dependency of the project: give vnu.jar (npm's vnu-jar; needs Java) and a folder where
`npm i lighthouse@13` ran. The demo data on a production server (gunicorn, 2 workers) on SQLite.

    .venv/bin/python -m bench.looks --vnu /tmp/lh/node_modules/vnu-jar/build/dist/vnu.jar --lighthouse /tmp/lh
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from microblog.seed.demo import DEMO_PASSWORD
from tools.harness.browser import HTMX, Browser, csrf_token
from tools.harness.server import Server, flask

# htmx's own attributes (and its SSE extension's) are not HTML's: the checker would report each one.
HTMX_ATTRIBUTES = ".*Attribute “(hx|sse)-[a-z-]*” not allowed.*"
SETTINGS = ("profile", "privacy", "account", "two-factor", "blocked", "delete")
LIGHTHOUSE = [("index", "/index"), ("thread", "/messages/{other}"), ("post", "/post/1")]


def pages(post: int, message: int) -> list[tuple[str, str, str, bool]]:
    """(name, path, who, htmx): every page a visitor or alice reaches, and the fragments htmx swaps in."""
    out = [(n, p, "", False) for n, p in [("landing", "/"), ("login", "/auth/login"), ("register", "/auth/register")]]
    out += [("reset", "/auth/reset_password_request", "", False), ("out-404", "/nope", "", False)]
    signed_in = {
        "index": "/index", "explore": "/explore", "profile": "/user/alice", "profile-other": "/user/bob",
        "post": f"/post/{post}", "post-edit": f"/post/{post}/edit", "post-delete": f"/post/{post}/delete",
        "messages": "/messages", "thread": "/messages/bob", "thread-delete": "/messages/bob/delete",
        "message-edit": f"/messages/bob/{message}/edit", "new-message": "/new_message?q=b",
        "activity": "/activity", "search": "/search?q=a", "search-empty": "/search", "search-none": "/search?q=zz",
        "search-messages": "/search?q=sunday&tab=messages", "appearance": "/appearance", "export": "/export",
        "email-settings": "/email/settings", "change-password": "/auth/change_password",
        "err-404": "/post/99999", "err-400": "/search?q=a&tab=x", "err-403": "/post/4/edit", "err-405": "/auth/logout",
        **{f"settings-{s}": f"/settings/{s}" for s in SETTINGS},
    }  # fmt: skip
    out += [(name, path, "alice", False) for name, path in signed_in.items()]
    fragments = ["/index", "/explore", "/search?q=a", "/new_message?q=c", "/activity", "/messages", "/messages/bob"]
    fragments += ["/user/bob/popup", f"/post/{post}/edit", "/settings/profile", "/post/99999"]
    return out + [(f"fragment{path}", path, "alice", True) for path in fragments]


def document(body: str, lang: str) -> str:
    """A fragment as a document: htmx takes a leading <title> for the tab; a list item goes in its list."""
    body = re.sub(r"^\s*<title>.*?</title>", "", body, flags=re.S)
    if body.lstrip().startswith("<li"):
        body = f"<ul>{body}</ul>"
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>-</title></head><body>{body}'


def gallery_samples(html: str, lang: str) -> dict[str, str]:
    """Each sample of the gallery page as its own document (one copy: light and dark are the same markup)."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        sample["id"]: document("".join(map(str, sample.select_one(".gallery-light").contents)), lang)
        for sample in soup.select(f".gallery-sample[lang={lang}]")
    }


def collect(server: Server, users: dict[str, Browser]) -> dict[str, str]:
    alice = users["alice"]
    alice.request("post", "POST", "/index", {"csrf_token": alice.csrf, "post": "Fresh, to edit: hi @bob"})
    alice.request("send", "POST", "/messages/bob", {"csrf_token": alice.csrf, "message": "Fresh, to edit"})
    post = max(map(int, re.findall(r'id="post-(\d+)"', alice.request("me", "GET", "/user/alice").body)))
    message = max(map(int, re.findall(r"/messages/bob/(\d+)/edit", alice.request("t", "GET", "/messages/bob").body)))
    docs = {}
    for lang in ("en", "es"):
        for name, path, who, htmx in pages(post, message):
            answer = users[who].request(name, "GET", path, headers={"Accept-Language": lang, **(HTMX if htmx else {})})
            assert answer.status in (200, 400, 403, 404, 405), (path, answer.status)
            docs[f"{name}.{lang}"] = document(answer.body, lang) if htmx else answer.body
        # Pages that need a step first: a sign-in's second step (dave has two-factor on), a form with errors.
        lang_header = {"Accept-Language": lang}
        dave = Browser(server.port, "dave")
        token = csrf_token(dave.request("form", "GET", "/auth/login").body)
        dave.request("in", "POST", "/auth/login", {"csrf_token": token, "username": "dave", "password": DEMO_PASSWORD})
        docs[f"login-code.{lang}"] = dave.request("code", "GET", "/auth/login/code", headers=lang_header).body
        wrong = {"csrf_token": token, "username": "dave", "password": "wrong"}
        docs[f"login-error.{lang}"] = dave.request("wrong", "POST", "/auth/login", wrong, headers=lang_header).body
        assert "login-code-form" in docs[f"login-code.{lang}"] and "-error" in docs[f"login-error.{lang}"]
        gallery = alice.request("gallery", "GET", "/gallery/", headers=lang_header).body
        docs.update({f"gallery-sample/{k}.{lang}": v for k, v in gallery_samples(gallery, lang).items()})
    return docs


def nu_check(vnu: str, docs: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """The checker's errors per document (htmx attributes left out)."""
    files = {}
    for name, html in docs.items():
        path = folder / (re.sub(r"[^\w.-]", "_", name) + ".html")
        path.write_text(html)
        files[str(path)] = name
    out = subprocess.run(
        ["java", "-jar", vnu, "--errors-only", "--format", "json", "--filterpattern", HTMX_ATTRIBUTES, *files],
        capture_output=True,
        text=True,
    )
    errors: dict[str, list[str]] = {name: [] for name in docs}
    for message in json.loads(out.stderr or out.stdout)["messages"]:
        errors[files[message["url"].removeprefix("file:")]].append(message["message"])
    return errors


def lighthouse(folder: str, base: str, cookie: str, path: str, out: Path) -> dict:
    headers = out.with_suffix(".headers.json")
    headers.write_text(json.dumps({"Cookie": cookie}))
    subprocess.run(
        ["npx", "lighthouse", base + path, "--quiet", "--form-factor=mobile", f"--extra-headers={headers}",
         "--only-categories=performance,accessibility,best-practices,seo", "--output=json", f"--output-path={out}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
        cwd=folder, env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        check=True, timeout=300,
    )  # fmt: skip
    report = json.loads(out.read_text())
    scores = {key: category["score"] for key, category in report["categories"].items()}
    audits = report["audits"]
    for audit in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time"):
        scores[audit] = audits[audit]["displayValue"].replace("\xa0", " ")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vnu", required=True, help="path of vnu.jar")
    parser.add_argument("--lighthouse", help="a folder where `npm i lighthouse@13` ran")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="microblog-looks-") as tmp:
        database = Path(tmp) / "looks.db"
        server = Server(f"sqlite:///{database}", env={"GALLERY_ENABLED": "1", "RATELIMIT_ENABLED": "0"})
        server.migrate()
        flask(server.env, "demo-data", timeout=120)
        with sqlite3.connect(database) as db:
            db.execute("UPDATE user SET theme = 'dark' WHERE username = 'bob'")
            db.execute("UPDATE user SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE username = 'dave'")
        server.start()
        try:
            users = {name: Browser(server.port, name) for name in ("", "alice", "bob")}
            assert all(users[name].sign_in(DEMO_PASSWORD) for name in ("alice", "bob"))
            errors = nu_check(args.vnu, collect(server, users), Path(tmp))
            bad = {name: found for name, found in errors.items() if found}
            print(f"Nu HTML checker: {sum(map(len, bad.values()))} errors in {len(errors)} documents")
            for message, count in Counter(m for found in bad.values() for m in found).most_common():
                print(f"  {count} x {message}  ({', '.join(n for n, found in bad.items() if message in found)})")
            for page, path in LIGHTHOUSE if args.lighthouse else []:
                for mode, who, other in (("light", "alice", "bob"), ("dark", "bob", "alice")):
                    runs = [
                        lighthouse(args.lighthouse, server.base, users[who].cookie_header(), path.format(other=other),
                                   Path(tmp) / f"{page}-{mode}-{n}.json")
                        for n in range(args.runs)
                    ]  # fmt: skip
                    runs.sort(key=lambda scores: scores["performance"])
                    print(f"Lighthouse {page} {mode} ({path.format(other=other)}), median of {args.runs}:")
                    print("  ", runs[len(runs) // 2], " performance in each run:", [r["performance"] for r in runs])
        finally:
            server.stop()


if __name__ == "__main__":
    main()
