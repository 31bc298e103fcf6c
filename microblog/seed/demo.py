"""The demo data set (`flask demo-data`): what a newcomer sees after `make run`."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..database import utcnow
from ..extensions import db
from ..messages.models import Message
from ..posts.models import Post
from ..messages.acts import send
from ..users.models import User
from ..users.relations import followers

DEMO_PASSWORD = "microblog-demo"
DEMO_USERS = ("alice", "bob", "carol", "dave")

POSTS = {
    "alice": ["Hello, Microblog! My first post.", "htmx swaps HTML, not JSON. Neat.", "Reading chapter 21 today."],
    "bob": ["Anyone up for a bike ride on Sunday?", "Coffee first, then code."],
    "carol": ["Trying out private messages.", "The badge updates by itself!", "¡Hola a todos!"],
    "dave": ["Just joined. Hi everyone."],
}
FOLLOWS = [
    ("alice", "bob"),
    ("alice", "carol"),
    ("bob", "alice"),
    ("carol", "alice"),
    ("carol", "bob"),
    ("dave", "alice"),
]
MESSAGES = [
    ("bob", "alice", "Hi Alice, are you coming on Sunday?"),
    ("carol", "alice", "Did you see the new badge? It counts your unread messages."),
    ("dave", "alice", "Welcome message test from Dave."),
    ("alice", "bob", "Yes, count me in!"),
    ("alice", "carol", "I did. It updates without a reload."),
    ("bob", "alice", "Great! Meet at the park at nine?"),
    ("alice", "bob", "Nine is perfect. See you there."),
    ("carol", "bob", "Bob, can you lend me your pump on Sunday?"),
    ("bob", "alice", "Bring water, it will be hot."),
]


def load_demo_data() -> dict[str, User]:
    users: dict[str, User] = {}
    start = utcnow() - timedelta(hours=6)
    for name in DEMO_USERS:
        user = User(
            email=f"{name}@example.com", email_verified=True, about_me=f"I am {name.capitalize()}, a demo user."
        )
        user.set_username(name)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[name] = user
    db.session.flush()
    for i, (name, bodies) in enumerate(POSTS.items()):
        for j, body in enumerate(bodies):
            db.session.add(
                Post(body=body, user_id=users[name].id, timestamp=start + timedelta(minutes=37 * i + 11 * j))
            )
    for follower, followed in FOLLOWS:
        db.session.execute(sa.insert(followers).values(follower_id=users[follower].id, followed_id=users[followed].id))
    db.session.commit()
    for sender, recipient, body in MESSAGES:
        send(users[sender], users[recipient], body)
    # The messages came an hour ago, while nobody was around: alice's email about them is due at once, and
    # `make run`'s embedded job worker writes it to the log (README "Email for unread messages").
    db.session.execute(sa.update(Message).values(timestamp=utcnow() - timedelta(hours=1)))
    db.session.execute(sa.update(User).values(last_seen=start))
    db.session.commit()
    return users
