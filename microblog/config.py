"""Configuration: defaults here, overridden by environment variables, then by `create_app(overrides)`."""

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production, see check_production()

# Settings that may come from the environment, and how to read them.
_ENV_INT = ("POSTS_PER_PAGE", "MESSAGES_PER_PAGE", "USERS_PER_PAGE", "MAX_CONTENT_LENGTH", "TRUSTED_PROXIES",
            "SSE_HEARTBEAT_SECONDS", "SSE_MAX_STREAMS_PER_USER", "SSE_MAX_STREAMS")
_ENV_BOOL = ("GALLERY_ENABLED", "DEBUG", "SESSION_COOKIE_SECURE", "RATELIMIT_ENABLED", "SSE_ENABLED")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load(instance_path: str) -> dict:
    """Return the configuration for this process: defaults, then environment variables."""
    env = os.environ
    cfg = {
        "ENV_NAME": env.get("MICROBLOG_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "microblog.db"),
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
        # The badge polls every this many seconds; full pages refresh last_seen at most this often.
        "BADGE_POLL_SECONDS": 10,
        "LAST_SEEN_RESOLUTION_SECONDS": 60,
        # Rate limits, counted in the database (microblog.ratelimit): (hits, per seconds).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN_PER_ACCOUNT": (10, 15 * 60),
        "RATELIMIT_LOGIN_PER_ADDRESS": (50, 15 * 60),
        "RATELIMIT_REGISTER_PER_ADDRESS": (10, 60 * 60),
        "RATELIMIT_MESSAGES_PER_SENDER": (30, 60),
        # Live push (microblog/push, README "Live push"): SSE_ENABLED=0 renders no stream, pages poll.
        "SSE_ENABLED": True,
        "SSE_HEARTBEAT_SECONDS": 20,  # proxies close idle connections after 30-60 s
        "SSE_RETRY_MS": 2000,  # the browser's reconnect delay after a dropped stream
        "SSE_MAX_STREAMS_PER_USER": 10,  # open tabs per user and process; more get 503 and keep polling
        "SSE_MAX_STREAMS": 5000,  # streams per process
        "SSE_RETRY_AFTER_SECONDS": 30,
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
    """Refuse to start a production app with a missing, default or short SECRET_KEY."""
    if cfg.get("ENV_NAME") != "production":
        return
    key = cfg.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "MICROBLOG_ENV=production needs a real SECRET_KEY (at least 32 random characters), e.g. "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
