"""Where the package's files are: `templates/`, `partials/`, `migrations/`, `static/`, `translations/`."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`templates/`, `partials/` or `migrations/`: inside the package when installed from a wheel,
    beside it in a checkout."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name
