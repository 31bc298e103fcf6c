"""`flask seed`: bulk-load realistic data for benchmarks (being written; see bench/)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `flask seed` command."""
