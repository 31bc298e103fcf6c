"""Configuration: defaults here, overridden by environment variables, then by `create_app(overrides)`."""

import logging
import os
from pathlib import Path

log = logging.getLogger("microblog")

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production, see check_production()

# Settings that may come from the environment, and how to read them.
_ENV_INT = (
    "POSTS_PER_PAGE",
    "MESSAGES_PER_PAGE",
    "USERS_PER_PAGE",
    "MAX_CONTENT_LENGTH",
    "TRUSTED_PROXIES",
    "SSE_HEARTBEAT_SECONDS",
    "SSE_MAX_STREAMS_PER_USER",
    "SSE_MAX_STREAMS",
    "HSTS_MAX_AGE",
    "BODY_READ_SECONDS",
    "UNREAD_EMAIL_MINUTES",
    "UNREAD_EMAIL_RETRY_SECONDS",
    "UNREAD_EMAIL_LEASE_SECONDS",
    "UNREAD_EMAIL_MAX_ATTEMPTS",
    "UNREAD_EMAIL_DIGEST_HOUR",
    "FRAGMENT_CACHE_SIZE",  # kept list items per process (microblog/fragments.py; 0: off)
    "FRAGMENT_CACHE_CHARS",  # the characters they may hold
)
_ENV_BOOL = (
    "GALLERY_ENABLED",
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "RATELIMIT_ENABLED",
    "SSE_ENABLED",
    "JOBS_EMBEDDED",
    "POLL_MEMO",
)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load(instance_path: str) -> dict:
    """Return the configuration for this process: defaults, then environment variables."""
    env = os.environ
    cfg = {
        "ENV_NAME": env.get("MICROBLOG_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "microblog.db"),
        # pool_pre_ping: see create_app (on for server databases, off for an SQLite file).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "LANGUAGES": ["en", "es"],
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "POSTS_PER_PAGE": 10,
        "MESSAGES_PER_PAGE": 10,
        "USERS_PER_PAGE": 20,
        # Bodies larger than this get 413; our largest form is a few KB.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # A request's body must arrive within this many seconds, else 408 (microblog/bodies.py, SPEC S22).
        "BODY_READ_SECONDS": 10,
        # CSRF tokens are bound to the session, not to a clock: an open tab keeps working.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "GALLERY_ENABLED": False,
        # How many reverse proxies (load balancers) sit in front of the app and set X-Forwarded-For /
        # X-Forwarded-Proto; 0 trusts none. Per-address rate limits need the real client address.
        "TRUSTED_PROXIES": 0,
        # Strict-Transport-Security max-age (seconds) in production over HTTPS; 0 tells browsers to forget it.
        "HSTS_MAX_AGE": 365 * 24 * 3600,
        # The badge polls every this many seconds; full pages refresh last_seen at most this often.
        "BADGE_POLL_SECONDS": 10,
        "LAST_SEEN_RESOLUTION_SECONDS": 60,
        # Messages: an open thread polls every THREAD_POLL_SECONDS, the list every LIST_POLL_SECONDS and
        # re-renders every LIST_REFRESH_SECONDS (its relative times stay true).
        "THREAD_POLL_SECONDS": 3,
        "LIST_POLL_SECONDS": 10,
        "LIST_REFRESH_SECONDS": 60,
        "THREAD_MESSAGES_PER_PAGE": 20,
        # Responses compressed on the fly (Flask-Compress; static files are compressed at build time).
        "COMPRESS_MIMETYPES": ["text/html", "application/json"],
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_STREAMS": False,
        # Rate limits, counted in the database (microblog.ratelimit): (hits, per seconds).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN_PER_ACCOUNT": (10, 15 * 60),
        "RATELIMIT_LOGIN_PER_ADDRESS": (50, 15 * 60),
        # A browser that signed in to the account before is counted on its own (microblog.auth.throttle).
        "RATELIMIT_LOGIN_PER_DEVICE": (10, 15 * 60),
        # Per account and address; once the account or the address is over its own limit, each pair gets only
        # its first RATELIMIT_LOGIN_SLOWED tries: a slow-down, never a lockout of the owner (microblog.auth.throttle).
        "RATELIMIT_LOGIN_PER_ACCOUNT_ADDRESS": (10, 15 * 60),
        "RATELIMIT_LOGIN_SLOWED": (3, 15 * 60),
        "RATELIMIT_LOGIN_PER_ADDRESS_CAP": (500, 15 * 60),  # past this, an address is refused outright
        "RATELIMIT_REGISTER_PER_ADDRESS": (10, 60 * 60),
        "RATELIMIT_MESSAGES_PER_SENDER": (30, 60),
        # SPEC S22: posts per author; mentions per author and mentioned name; searches per user and address.
        "RATELIMIT_POSTS_PER_AUTHOR": (10, 60),
        "RATELIMIT_MENTIONS_PER_AUTHOR_AND_NAME": (5, 60 * 60),
        "RATELIMIT_SEARCH_PER_USER": (60, 60),
        "RATELIMIT_SEARCH_PER_ADDRESS": (300, 60),
        # SPEC S15. Email (password reset): without MAIL_SERVER emails are written to the server log.
        # Translation: any LibreTranslate-compatible server; without TRANSLATOR_URL, no Translate control.
        # SPEC S22: every absolute link in an email is built from this (microblog.mail.public_url), never
        # from the request's Host; production refuses to start without it (or SERVER_NAME). TRUSTED_HOSTS
        # (comma-separated) defaults to its host: requests naming another host get 400.
        "PUBLIC_URL": (env.get("PUBLIC_URL") or "").rstrip("/") or None,
        # Development only, when PUBLIC_URL is not set: where `make run` serves (it sets this from HOST/PORT).
        "DEVELOPMENT_URL": (env.get("DEVELOPMENT_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "TRUSTED_HOSTS": [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS", "0")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL", "0")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Microblog <no-reply@localhost>"),
        "MAIL_TIMEOUT": int(env.get("MAIL_TIMEOUT", "10")),
        "MAIL_BACKEND": "smtp",
        # SPEC S18: email for unread messages (microblog.notifications.unread_email).
        "UNREAD_EMAIL_MINUTES": 10,
        "UNREAD_EMAIL_RETRY_SECONDS": 60,
        "UNREAD_EMAIL_LEASE_SECONDS": 300,
        "UNREAD_EMAIL_MAX_ATTEMPTS": 5,
        "UNREAD_EMAIL_DIGEST_HOUR": 8,
        # Background jobs (microblog.jobs): the queue's database (default: beside the app's), and whether this
        # process runs a consumer thread (None: yes, except in production).
        "JOBS_DATABASE_URL": env.get("JOBS_DATABASE_URL") or None,
        "JOBS_EMBEDDED": None,
        "PASSWORD_RESET_MAX_AGE": 30 * 60,
        "RATELIMIT_RESET_PER_ADDRESS": (10, 60 * 60),
        "RATELIMIT_RESET_PER_EMAIL": (3, 60 * 60),  # per email and client address (password_reset.reset_limits)
        "RATELIMIT_RESET_PER_INBOX": (10, 60 * 60),  # per email from anywhere, except the owner's own browsers
        # SPEC S19: email verification links, and two-factor codes (counted per account and per address).
        "EMAIL_VERIFY_MAX_AGE": 2 * 24 * 3600,
        "RATELIMIT_VERIFY_EMAIL_PER_USER": (3, 60 * 60),
        "RATELIMIT_TOTP_PER_ACCOUNT": (10, 15 * 60),
        "RATELIMIT_TOTP_PER_ADDRESS": (50, 15 * 60),
        "TRANSLATOR_URL": (env.get("TRANSLATOR_URL") or "").rstrip("/") or None,
        "TRANSLATOR_API_KEY": env.get("TRANSLATOR_API_KEY") or None,
        "TRANSLATOR_TIMEOUT": float(env.get("TRANSLATOR_TIMEOUT", "5")),
        "RATELIMIT_TRANSLATE_PER_USER": (30, 60),
        # Live push (microblog/push, README "Live push"): SSE_ENABLED=0 renders no stream, pages poll.
        "SSE_ENABLED": True,
        "SSE_HEARTBEAT_SECONDS": 20,  # proxies close idle connections after 30-60 s
        "SSE_RETRY_MS": 2000,  # the browser's reconnect delay after a dropped stream
        "SSE_MAX_STREAMS_PER_USER": 10,  # open tabs per user and process; more get 503 and keep polling
        "SSE_MAX_STREAMS": 5000,  # streams per process
        "SSE_RETRY_AFTER_SECONDS": 30,
        # The badge poll's per-process memo (microblog/push/memo.py); unset: on, except under TESTING.
        "POLL_MEMO": None,
    }
    for key in _ENV_INT:
        if key in env:
            cfg[key] = int(env[key])
    for key in _ENV_BOOL:
        if key in env:
            cfg[key] = _bool(env[key])
    if cfg["ENV_NAME"] == "production":
        # No debugger, no tracebacks in production whatever the environment says.
        cfg["DEBUG"] = False
        cfg["SESSION_COOKIE_SECURE"] = _bool(env.get("SESSION_COOKIE_SECURE", "1"))
        cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    return cfg


def check_production(cfg: dict) -> None:
    """Refuse to start a production app with a missing, default or short SECRET_KEY or without a public
    URL (PUBLIC_URL or SERVER_NAME); warn loudly when a
    server that is not in debug or test mode runs on the development key."""
    if cfg.get("ENV_NAME") != "production":
        if cfg.get("SECRET_KEY") == DEV_SECRET_KEY and not cfg.get("DEBUG") and not cfg.get("TESTING"):
            log.warning(
                "WARNING: running on the development SECRET_KEY: anyone can forge sessions. In production set "
                "MICROBLOG_ENV=production and SECRET_KEY (see README, Production)."
            )
        return
    key = cfg.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "MICROBLOG_ENV=production needs a real SECRET_KEY (at least 32 random characters), e.g. "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if not cfg.get("PUBLIC_URL") and not cfg.get("SERVER_NAME"):
        raise RuntimeError(
            "MICROBLOG_ENV=production needs PUBLIC_URL, the address users reach the site at (e.g. "
            "PUBLIC_URL=https://microblog.example.com): links in emails are built from it, never from the "
            "request's Host header"
        )
