"""Counting sign-in attempts so that guessing is slow but the real owner is never locked out.

- Every attempt is counted before the password is checked (`ratelimit.hit` is the check and the count, so
  concurrent guesses cannot slip past the limit); a right password takes its hits back.
- A browser where the account signed in before carries a signed *device cookie* (OWASP's "device cookies").
  Its attempts for that account are counted per device only.
- A new browser is counted per account, per address, and per account *and* address; the pair is what
  limits guesses (RATELIMIT_LOGIN_PER_ACCOUNT_ADDRESS). An account under attack from other addresses
  (over RATELIMIT_LOGIN_PER_ACCOUNT) is slowed down, never locked (SPEC S16, S22): each address gets only
  its first few tries (RATELIMIT_LOGIN_SLOWED), so the owner, from their own address, keeps theirs. An
  address noisy with other names (over RATELIMIT_LOGIN_PER_ADDRESS, e.g. an office's shared address)
  likewise leaves each account a few tries from it, and is refused outright only past
  RATELIMIT_LOGIN_PER_ADDRESS_CAP. What remains:
  one address guessing at one account uses up what the owner would need from that same address (the
  device cookie still lets them in from a browser they used before).
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


def login_limits(username: str, user: User | None, per_account_only: bool = False) -> list[ratelimit.Limit]:
    """The buckets a sign-in attempt for `username` counts against.

    From a known device: that device alone. Otherwise: the account (as typed, any case), the address, and
    the two together ("login-pair").
    """
    if (device := device_of(user)) is not None:
        return [ratelimit.Limit.configured("login-device", device, "RATELIMIT_LOGIN_PER_DEVICE")]
    account = username_key(username)
    limits = [ratelimit.Limit.configured("login-account", account, "RATELIMIT_LOGIN_PER_ACCOUNT")]
    if not per_account_only:
        address = ratelimit.client_address()
        limits.append(ratelimit.Limit.configured("login-address", address, "RATELIMIT_LOGIN_PER_ADDRESS"))
        pair = f"{account} {address}"
        limits.append(ratelimit.Limit.configured("login-pair", pair, "RATELIMIT_LOGIN_PER_ACCOUNT_ADDRESS"))
    return limits


def count_attempt(limits: list[ratelimit.Limit]) -> int | None:
    """Count the attempt in every bucket; seconds to wait when it is refused, else None.

    Without a "login-pair" bucket (a known device, a password change): refused when any bucket is over
    (ratelimit.hit_all).
    With one: refused when the pair (account and address) is over its limit, which is slowed down while
    other addresses went over the account's limit or other accounts over the address's; or when the
    address is over its hard cap.
    """
    if all(limit.bucket != "login-pair" for limit in limits):
        return ratelimit.hit_all(limits)
    # One transaction for the three counts (three cost a sign-in two more BEGIN IMMEDIATE ... COMMIT).
    counted = {limit.bucket: (*counts, limit.hits) for limit, counts in zip(limits, ratelimit.count_all(limits))}
    pair_count, pair_retry, pair_limit = counted["login-pair"]
    account_count, _retry, account_limit = counted["login-account"]
    address_count, address_retry, address_limit = counted["login-address"]
    # Attempts from other addresses (on this account), or for other accounts (from this address): the
    # same address guessing at the same account is the pair's own limit, whatever the others do.
    if account_count - pair_count > account_limit or address_count - pair_count > address_limit:
        pair_limit = ratelimit.limit_of("RATELIMIT_LOGIN_SLOWED")[0]  # slowed down, not locked
    if pair_count > pair_limit:
        return pair_retry
    if address_count > ratelimit.limit_of("RATELIMIT_LOGIN_PER_ADDRESS_CAP")[0]:
        return address_retry  # an address spraying many accounts stops altogether
    return None


def take_back(limits) -> None:
    """A right password: the attempt does not count against anyone (one transaction for every bucket)."""
    ratelimit.refund_all(limits)
