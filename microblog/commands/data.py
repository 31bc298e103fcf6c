"""`flask demo-data` and `flask seed`: the command-line side of microblog/seed/ (options, messages, errors)."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..extensions import db
from ..seed.plan import FOLLOWS_PER_USER


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Load even when users already exist.")
@with_appcontext
def demo_data(force):
    """Create a few demo users (password: microblog-demo), posts, follows and messages."""
    from ..seed.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data
    from ..users.models import User

    if not force and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("Demo data not loaded: the database already has users.")
        return
    load_demo_data()
    click.echo(f"Demo users: {', '.join(DEMO_USERS)}; password for all: {DEMO_PASSWORD}")


@click.command("seed")
@click.option("--users", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--posts", default=200_000, show_default=True, type=click.IntRange(0))
@click.option("--messages", default=1_000_000, show_default=True, type=click.IntRange(0))
@click.option(
    "--follows", default=FOLLOWS_PER_USER, show_default=True, type=click.IntRange(0), help="Follows per user."
)
@click.option("--password", required=True, help="The password of every seeded user.")
@click.option("--seed", "seed_value", default=21, show_default=True, help="Random seed.")
@with_appcontext
def seed(users, posts, messages, follows, password, seed_value):
    """Bulk-load users user1..userN, follows, posts and messages into an empty, migrated database."""
    from ..seed.write import SeedError, seed as load

    try:
        result = load(users, posts, messages, password, follows=follows, seed_value=seed_value, echo=click.echo)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    except SeedError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(result))
