"""A short thread of the same length at every data size: `make bench-pages`' "thread (short)" row.

A seed's conversations differ from one message count to the next (user1's second-longest held 1 message at
1k and 9 at 1M), so the bench writes its own: LENGTH messages between user1 and the highest-numbered user who
has no conversation with user1 and accepts messages from them, sent in turn through the app's own act
(`microblog.messages.acts.send`, as the send form stores them). Run in a subprocess with the production
environment of the database (`short_thread(url)`); prints the partner's name.
"""

from __future__ import annotations

import subprocess
import sys

from tools.harness import ROOT
from tools.harness.server import app_env

LENGTH = 8


def short_thread(database_url: str) -> str:
    """The partner's username of a new LENGTH-message conversation with user1 in `database_url`."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench.short_thread"],
        env=app_env(database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tools.bench.short_thread failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    import sqlalchemy as sa

    from microblog import create_app
    from microblog.extensions import db
    from microblog.messages.acts import send
    from microblog.messages.models import Member
    from microblog.users.models import User
    from microblog.users.relations import refusal

    app = create_app()
    with app.test_request_context():  # refusals are sentences in the reader's language
        user1 = db.session.get(User, 1)
        talked = sa.select(Member.other_id).where(Member.user_id == 1)
        candidates = db.session.scalars(
            sa.select(User).where(User.id != 1, User.id.not_in(talked)).order_by(User.id.desc()).limit(50)
        )
        partner = next(u for u in candidates if refusal(user1, u) is None and refusal(u, user1) is None)
        for n in range(LENGTH):
            sender, recipient = (user1, partner) if n % 2 == 0 else (partner, user1)
            send(sender, recipient, f"Short thread, message {n + 1} of {LENGTH}: are we still on for Friday?")
        print(partner.username)


if __name__ == "__main__":
    main()
