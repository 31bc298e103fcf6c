"""Counting sign-in attempts so that guessing is slow but the real owner is never locked out.

- Every attempt is counted before the password is checked (`ratelimit.hit` is the check and the count, so
  concurrent guesses cannot slip past the limit); a right password takes its hits back.
- A browser where the account signed in before carries a signed *device cookie* (OWASP's "device cookies").
  Its attempts for that account are counted per device only: an attacker guessing at the account, or
  flooding the address the owner shares with others (a proxy, an office), does not lock the owner out.
- Unknown names cost as much time as known ones: their password is checked against a dummy hash.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from .. import ratelimit
from ..users.models import User
from ..users.names import username_key

DEVICE_COOKIE = "microblog_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600

_dummy_hashes: dict[str, str] = {}


def check_password(user: User | None, password: str) -> bool:
    """The password check, taking as long for an unknown name as for a known one."""
    if user is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
        if method not in _dummy_hashes:
            _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
        check_password_hash(_dummy_hashes[method], password)
        return False
    return user.check_password(password)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="microblog-device")


def device_of(user: User | None) -> str | None:
    """This browser's device id when it signed in as `user` before, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if user is None or not raw or len(raw) > 300:
        return None
    try:
        user_id, device = _serializer().loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(device) if user_id == user.id else None


def remember_device(response, user: User):
    """Give the browser that just signed in as `user` its device cookie (kept when it has one)."""
    if device_of(user) is not None:
        return response
    cfg = current_app.config
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps([user.id, secrets.token_urlsafe(12)]),
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(cfg.get("SESSION_COOKIE_SECURE")),
        path="/auth/",
    )
    return response


def login_limits(username: str, user: User | None, per_account_only: bool = False) -> list[tuple[str, str, int, int]]:
    """The buckets a sign-in attempt for `username` counts against.

    From a known device: that device alone. Otherwise: the account (as typed, any case) and the address.
    """
    if (device := device_of(user)) is not None:
        return [("login-device", device, *ratelimit.limit_of("RATELIMIT_LOGIN_PER_DEVICE"))]
    limits = [("login-account", username_key(username), *ratelimit.limit_of("RATELIMIT_LOGIN_PER_ACCOUNT"))]
    if not per_account_only:
        limits.append(("login-address", ratelimit.client_address(), *ratelimit.limit_of("RATELIMIT_LOGIN_PER_ADDRESS")))
    return limits


def count_attempt(limits) -> int | None:
    """Count the attempt in every bucket; seconds to wait when any of them is over its limit, else None."""
    waits = [ratelimit.hit(*limit) for limit in limits]
    return max((wait for wait in waits if wait), default=None)


def take_back(limits) -> None:
    """A right password: the attempt does not count against anyone."""
    for bucket, key, _limit, per_seconds in limits:
        ratelimit.refund(bucket, key, per_seconds)
