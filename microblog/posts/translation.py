"""Post translation (the tutorial's POST /translate) through a LibreTranslate-compatible server.

TRANSLATOR_URL names the server (the open-source, self-hostable LibreTranslate, or any server that speaks
its `POST /translate` JSON); TRANSLATOR_API_KEY is sent when set. Without TRANSLATOR_URL no post shows a
Translate control. A slow, failing or refusing server gives an inline message, never a 500. The call has a
total deadline (TRANSLATOR_TIMEOUT), follows no redirect and reads at most MAX_ANSWER bytes (SPEC S22).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..database import end_read
from ..extensions import db
from ..htmx import fragment, render, wants_fragment
from .models import Post

bp = Blueprint("translation", __name__)

MAX_ANSWER = 64 * 1024  # bytes of the server's answer we read; a post's translation is far smaller
MAX_TRANSLATION = 1000  # characters of translated text we show


class TranslationError(Exception):
    """The translator did not give a translation; the message says why, for the reader."""


def reader_language() -> str:
    return str(get_locale() or "en")


def translate_to(post) -> str | None:
    """The reader's language when `post` is a post in another (known) language and a translator is set."""
    language = getattr(post, "language", None)  # messages have no language: never translated
    if not language or not current_app.config.get("TRANSLATOR_URL"):
        return None
    target = reader_language()
    return None if language.split("-")[0] == target else target


def _cut(conn, opened: list) -> None:
    """The deadline: shut the exchange's socket down, whoever holds it now (the connection or its answer)."""
    for sock in {id(s): s for s in [conn.sock, *opened] if s is not None}.values():
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def post_json(url: str, payload: dict, seconds: float) -> tuple[int, bytes]:
    """POST `payload` as JSON; (status, body). The whole exchange, connecting included, ends within
    `seconds` (TimeoutError), not each socket operation: a server dripping its answer a byte at a time is
    cut off. Redirects are not followed (a 3xx is just a status); a body over MAX_ANSWER is a ValueError."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection_class(parts.hostname, parts.port, timeout=seconds)
    # At the deadline the socket is shut down, which wakes any read blocked on it. The socket is kept here:
    # an answer that closes the connection takes it over (http.client then sets conn.sock to None).
    opened: list = []
    watchdog = threading.Timer(seconds, _cut, (conn, opened))
    deadline = time.monotonic() + seconds
    watchdog.start()
    try:
        conn.connect()
        opened.append(conn.sock)
        if time.monotonic() >= deadline:  # connected just as the watchdog went off, with nothing to cut yet
            raise TimeoutError("translator deadline")
        conn.request(
            "POST",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        answer = conn.getresponse()
        body = answer.read(MAX_ANSWER + 1)
    except (OSError, http.client.HTTPException) as error:
        if time.monotonic() >= deadline:
            raise TimeoutError("translator deadline") from error
        raise
    finally:
        watchdog.cancel()
        conn.close()
    if time.monotonic() >= deadline:
        raise TimeoutError("translator deadline")
    if len(body) > MAX_ANSWER:
        raise ValueError("translator answer too large")
    return answer.status, body


def translate(text: str, source: str, target: str) -> str:
    """The translation of `text` from `source` to `target`; TranslationError when there is none."""
    config = current_app.config
    payload = {"q": text, "source": source.split("-")[0], "target": target, "format": "text"}
    if config.get("TRANSLATOR_API_KEY"):
        payload["api_key"] = config["TRANSLATOR_API_KEY"]
    end_read()  # the translator may take TRANSLATOR_TIMEOUT seconds: no database lock is held meanwhile
    try:
        status, raw = post_json(config["TRANSLATOR_URL"] + "/translate", payload, config["TRANSLATOR_TIMEOUT"])
        if status != 200:
            current_app.logger.warning("translator refused (%s)", status)
            if status in (400, 403, 429):
                raise TranslationError(_("The translation service refused this translation."))
            raise TranslationError(_("The translation service is not working right now. Please try again later."))
        data = json.loads(raw)
    except TimeoutError as error:
        raise TranslationError(_("The translation service took too long to answer. Please try again later.")) from error
    except (OSError, ValueError, http.client.HTTPException) as error:  # unreachable, cut off, too big, not JSON
        current_app.logger.warning("translator failed: %r", error)
        raise TranslationError(
            _("The translation service is not working right now. Please try again later.")
        ) from error
    translated = data.get("translatedText") if isinstance(data, dict) else None
    if not isinstance(translated, str) or not translated.strip():
        raise TranslationError(_("The translation service gave no translation."))
    return translated.strip()[:MAX_TRANSLATION]


@bp.post("/translate")
@login_required
def translate_post():
    """The translation of a post into the reader's language: a fragment for htmx, a page otherwise."""
    raw = request.form.get("post_id", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        abort(400, description=_("Which post should be translated?"))
    post = db.session.get(Post, int(raw))
    if post is None:
        abort(404, description=_("There is no such post."))
    target = translate_to(post)
    if target is None:
        abort(400, description=_("This post cannot be translated."))
    limit = ratelimit.Limit.configured("translate", str(current_user.id), "RATELIMIT_TRANSLATE_PER_USER")
    if retry := limit.hit():
        return ratelimit.too_many(retry, _("Too many translations. Please wait a minute."))
    translation, error, status = None, None, 200
    try:
        translation = translate(post.body, post.language, target)
    except TranslationError as failure:
        error, status = str(failure), 502
    context = {"post": post, "translation": translation, "error": error, "target": target}
    if wants_fragment():
        # htmx swaps only what the server calls a success: the message goes inline with a 200.
        return fragment("partials/posts/translation.html", **context)
    return render("posts/translation.html", "partials/posts/translation.html", status=status, **context)
