"""Command-line tools: `flask translate ...` and `flask demo-data`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from . import PACKAGE_DIR
from .extensions import db

TRANSLATIONS = PACKAGE_DIR / "translations"
ROOT = PACKAGE_DIR.parent


def _pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    if subprocess.call(command, cwd=ROOT) != 0:
        raise click.ClickException("pybabel " + " ".join(args) + " failed")


def _extract() -> Path:
    pot = ROOT / "messages.pot"
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(pot), ".")
    return pot


def init_app(app: Flask) -> None:
    @app.cli.group()
    def translate():
        """Translation and localisation commands."""

    @translate.command()
    @click.argument("lang")
    def init(lang):
        """Start a new language."""
        pot = _extract()
        _pybabel("init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang)
        pot.unlink()

    @translate.command()
    def update():
        """Extract new strings and merge them into every language."""
        pot = _extract()
        _pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")
        pot.unlink()

    @translate.command()
    def compile():
        """Compile every language's catalogue (.po to .mo)."""
        _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")

    from . import seed

    seed.init_app(app)

    @app.cli.command("demo-data")
    @click.option("--force", is_flag=True, help="Load even when users already exist.")
    def demo_data(force):
        """Create a few demo users (password: microblog-demo), posts, follows and messages."""
        from .demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data
        from .users.models import User

        if not force and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
            click.echo("Demo data not loaded: the database already has users.")
            return
        load_demo_data()
        click.echo(f"Demo users: {', '.join(DEMO_USERS)}; password for all: {DEMO_PASSWORD}")
