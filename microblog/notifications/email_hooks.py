"""The two questions the unread-message email asks before sending: may we email this address, and is this
conversation muted. Each has its one home elsewhere; this module only names them for the email's code."""

from __future__ import annotations

from .. import mail
from ..messages.models import Member
from ..users.models import User


def may_email(user: User) -> bool:
    """Whether `user`'s address may get this email: a verified address of a live account (SPEC S19)."""
    return mail.may_email(user)


def is_muted(member: Member) -> bool:
    """Whether the member muted this conversation (SPEC S17): then no badge, push or email for it."""
    return member.muted
