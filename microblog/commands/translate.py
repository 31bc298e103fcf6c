"""`flask translate init LANG | update | compile`: pybabel with this project's settings (babel.cfg, es/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..resources import PACKAGE_DIR

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


@click.group(cls=AppGroup)
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
