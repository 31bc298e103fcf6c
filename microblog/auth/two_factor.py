"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238, by pyotp) and recovery codes (SPEC S19).

A code is accepted for the time step now or one step either side (clocks drift), and only for a step
after the last one accepted (`user.totp_last_step`): a code seen over a shoulder or replayed is refused.
Recovery codes are random, shown once and stored as SHA-256 hashes; using one deletes it. Codes are
never logged: they travel only in POST bodies and are compared here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa

from .. import ratelimit
from ..extensions import db
from ..users.models import RecoveryCode, User

ISSUER = "Microblog"
RECOVERY_CODES = 10
CODE_MAX = 32  # longer input is not even compared


def code_limits(user_id: int) -> list[ratelimit.Limit]:
    """The buckets a second-factor attempt counts against: the account and the address."""
    return [
        ratelimit.Limit.configured("totp-account", str(user_id), "RATELIMIT_TOTP_PER_ACCOUNT"),
        ratelimit.Limit.configured("totp-address", ratelimit.client_address(), "RATELIMIT_TOTP_PER_ADDRESS"),
    ]


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data: URI, drawn here (img-src allows data:; nothing inline runs)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


def _clean(code: str | None) -> str:
    return "".join((code or "")[: CODE_MAX * 2].split()).replace("-", "").lower()


def matching_step(secret: str, code: str | None, after: int = 0, now: float | None = None) -> int | None:
    """The time step `code` is right for (now, or one either side) and later than `after`; else None."""
    code = _clean(code)
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in (current - 1, current, current + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def new_recovery_codes(user_id: int) -> list[str]:
    """Replace the user's recovery codes with 10 new ones (in the caller's transaction); the codes, to show once."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=_hash(code)) for code in codes)
    return codes


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user_id)
    )


def use_code(user: User, code: str | None) -> bool:
    """Check a second factor (an authenticator code or a recovery code) and use it up, in the caller's
    transaction (the caller commits, after taking the write lock). True when it was good."""
    if not user.two_factor or not code or len(code) > CODE_MAX:
        return False
    step = matching_step(user.totp_secret, code, after=user.totp_last_step)
    if step is not None:
        # Only ever up, and only if nobody used this step meanwhile: a replay racing us is refused.
        moved = db.session.execute(
            sa.update(User)
            .where(User.id == user.id, User.totp_last_step < step)
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        return moved.rowcount == 1
    used = db.session.execute(
        sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code))
    )
    return used.rowcount == 1


def enable(user_id: int, secret: str, step: int) -> list[str]:
    """Turn two-factor sign-in on with `secret` (its code for `step` just confirmed); the recovery codes."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(totp_secret=secret, totp_last_step=step))
    codes = new_recovery_codes(user_id)
    db.session.commit()
    return codes


def disable(user_id: int) -> None:
    db.session.execute(sa.update(User).where(User.id == user_id).values(totp_secret=None, totp_last_step=0))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.commit()
