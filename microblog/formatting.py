"""Template helpers: times rendered server-side in the reader's locale, and user text made safe markup
(`linkify`: http(s) links and @mentions, nothing else), and one-line previews of a message."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlsplit

from babel import Locale, dates
from flask import g, url_for
from flask.globals import _cv_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from .database import utcnow


@lru_cache(maxsize=4096)
def format_medium_datetime(value: datetime, locale: Locale) -> str:
    """Babel's medium date and time of a UTC `value` in `locale`.

    Every reader sees the same newest posts, so the recent answers are kept: Babel's formatting runs once per
    distinct time and locale (a pure function of its arguments, so the cache can never be stale).
    """
    return dates.format_datetime(value, "medium", tzinfo=timezone.utc, locale=locale)


@lru_cache(maxsize=4096)
def format_full_datetime(value: datetime, locale: Locale) -> str:
    """The full localized date and time (a time's title: shown on hover and focus)."""
    return dates.format_datetime(value, "full", tzinfo=timezone.utc, locale=locale)


@lru_cache(maxsize=4096)
def format_day(value: datetime, locale: Locale) -> str:
    """The date alone, for a time older than a day."""
    return dates.format_date(value, "medium", locale=locale)


def _now() -> datetime:
    """ "Now", once per request: every time on a page is relative to the same instant."""
    now = g.get("_timetag_now")
    if now is None:
        now = g._timetag_now = utcnow()
    return now


def _locale() -> Locale | None:
    """The request's locale as Flask-Babel has it (force_locale() included): read where Flask-Babel keeps it
    once chosen, else asked of Flask-Babel. A page of 20 times looked it up through three context-local
    proxies a time."""
    app_ctx = _cv_app.get(None)
    chosen = getattr(app_ctx.g.__dict__.get("_flask_babel"), "babel_locale", None) if app_ctx is not None else None
    return chosen if chosen is not None else get_locale()


@lru_cache(maxsize=4096)
def _time_start(value: datetime, locale: Locale) -> str:
    """`<time datetime="..." title="the full date">`: a pure function of the time and the locale."""
    title = escape(format_full_datetime(value, locale))
    return f'<time datetime="{value.isoformat(timespec="seconds")}" title="{title}">'


# Babel's relative time ("3 minutes ago") reads of its `seconds` only the unit it picks, the rounded count
# and the direction (babel.dates.format_timedelta with threshold=1.0, granularity "second": the loop below is
# its choice, tests/house/test_timetag.py holds them equal). So each text is made once per locale: Babel's
# formatting was 8 of a list item's ~25 us of time tag, and every list shows ten to twenty of them.
_RELATIVE: dict[tuple, str] = {}


def _relative(seconds: float, locale: Locale) -> str:
    """Babel's `format_timedelta(seconds, add_direction=True, threshold=1.0, locale=locale)`, kept by what it reads."""
    size = abs(seconds)
    for unit, per_unit in dates.TIMEDELTA_UNITS:
        count = size / per_unit
        if count >= 1.0 or unit == "second":
            if unit == "second" and count > 0:
                count = max(1, count)
            key = (unit, int(round(count)), seconds >= 0, locale)
            break
    try:
        return _RELATIVE[key]
    except KeyError:
        if len(_RELATIVE) > 4096:  # a clock far off can ask for any count: keep the store small
            _RELATIVE.clear()
        text = _RELATIVE[key] = dates.format_timedelta(seconds, add_direction=True, threshold=1.0, locale=locale)
        return text


def timetag(value: datetime) -> Markup:
    """`<time datetime="ISO 8601 with offset" title="the full date">3 minutes ago</time>`: relative to the
    moment it is rendered (every fragment that shows it renders it anew), a date when older than a day."""
    if value is None:
        return Markup("")
    locale = _locale()  # Flask-Babel's per-request value (force_locale() changes it)
    now = _now()
    if now - value > timedelta(days=1):
        shown = format_day(value, locale)
    else:
        shown = _relative((value - now).total_seconds(), locale)
    return Markup(f"{_time_start(value, locale)}{escape(shown)}</time>")


# -- user text as markup ---------------------------------------------------------------------------
# A small strict tokenizer (README "Links in posts and messages" says why no library): a candidate starts
# at http:// or https://; it is cut at the first character outside plain ASCII URL characters (so quotes,
# angle brackets, backticks, spaces and any non-ASCII end it), then trailing punctuation is given back to
# the text. It becomes a link only when its host is plain ASCII letters, digits and hyphens in dotted
# labels, with no punycode label (IDN lookalikes) and no user@ part; otherwise it stays text.
_CANDIDATE = re.compile(r"(?<![\w/])https?://", re.IGNORECASE)
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&()*+,;=:@%/?#]*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_TRAILING = ".,;:!?*'"
LINK_REL = "nofollow ugc noopener noreferrer"


def _url_end(text: str, start: int) -> int:
    """Where the URL that starts at `start` ends: its plain characters, less trailing punctuation and an
    unbalanced closing parenthesis."""
    end = _URL_CHARS.match(text, start).end()
    while end > start:
        last = text[end - 1]
        if last in _TRAILING or (last == ")" and text.count("(", start, end) < text.count(")", start, end)):
            end -= 1
        else:
            break
    return end


def safe_url(url: str) -> bool:
    """An http(s) URL with a plain ASCII host name (no user@, no punycode) and, if any, a numeric port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    host = parts.hostname or ""
    labels = host.split(".")
    return (
        parts.scheme.lower() in ("http", "https")
        and "@" not in parts.netloc
        and len(labels) > 1
        and all(_LABEL.match(label) and not label.startswith("xn--") for label in labels)
        and labels[-1].isalpha()
    )


def _mentions(text: str) -> str:
    """`text` escaped, each @name of an existing user a link to their profile."""
    from .posts.mentions import _known_users  # the request's cache of mentioned names
    from .users.names import MENTION_RE, username_key

    matches = list(MENTION_RE.finditer(text))
    if not matches:
        return str(escape(text))
    known = _known_users([m.group(1) for m in matches][:50])
    out, last = [], 0
    for match in matches:
        username = known.get(username_key(match.group(1)))
        if username is not None:
            out.append(str(escape(text[last : match.start()])))
            out.append(
                str(
                    Markup('<a href="{}" class="mention">@{}</a>').format(
                        url_for("users.user", username=username), match.group(1)
                    )
                )
            )
            last = match.end()
    out.append(str(escape(text[last:])))
    return "".join(out)


def _pieces(body: str):
    """How linkify reads `body`: (text, url) in order, each link with the text before it; the last url is None."""
    last = 0
    for match in _CANDIDATE.finditer(body):
        if match.start() < last:
            continue
        end = _url_end(body, match.end())
        url = body[match.start() : end]
        if end == match.end() or not safe_url(url):
            continue
        yield body[last : match.start()], url
        last = end
    yield body[last:], None


def linkify(body: str) -> Markup:
    """The body as markup: escaped text, http(s) URLs as links (rel="nofollow ugc noopener noreferrer"),
    @mentions of existing users as profile links. Nothing else a user types becomes markup."""
    out = []
    for text, url in _pieces(body or ""):
        out.append(_mentions(text))
        if url is not None:
            out.append(str(Markup('<a href="{}" rel="{}">{}</a>').format(url, LINK_REL, url)))
    return Markup("".join(out))


def mention_targets(body: str) -> tuple:
    """What linkify(body) makes of each @name, rendered after this: the username it links to, or None. The names
    are looked up (the request's cache, microblog/posts/mentions.py) as linkify looks them up, then each is read."""
    from .posts.mentions import _known_users
    from .users.names import MENTION_RE, username_key

    runs = [list(MENTION_RE.finditer(text)) for text, _url in _pieces(body or "")]
    known = {}
    for matches in runs:
        if matches:
            known = _known_users([m.group(1) for m in matches][:50])
    return tuple(known.get(username_key(m.group(1))) for matches in runs for m in matches)


def badge_label(count: int) -> str:
    """What the badge shows: the count, or 99+."""
    return "99+" if count > 99 else str(count)


PREVIEW_CHARS = 60  # a conversation's last message in the list


def preview(body: str, limit: int = PREVIEW_CHARS) -> str:
    """One line of at most `limit` characters, cut on a word, with an ellipsis when cut."""
    line = " ".join(body.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"
