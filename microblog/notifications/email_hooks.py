"""Two answers other branches provide (the lead wires each in one line): whether we may email this address,
and whether this conversation is muted. The unread-message email asks both before sending."""

from __future__ import annotations

from ..messages.models import Member
from ..users.models import User


def may_email(user: User) -> bool:
    """Whether `user`'s address may get this email: verified (SPEC S19). Until the accounts branch adds
    verification, every address may."""
    return True


def is_muted(member: Member) -> bool:
    """Whether the member muted this conversation (SPEC S17). Until the messenger's branch adds it:
    never; then this reads `conversation_member.muted` (`return member.muted`)."""
    return False
