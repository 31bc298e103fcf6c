"""Load-balancer probes: /healthz (process alive, no database) and /readyz (database reachable)."""

import sqlalchemy as sa
from flask import Flask, jsonify

from .extensions import db


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness: 200 "ok" without touching the database; the cheapest request we serve."""
        return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}

    @app.get("/readyz")
    def readyz():
        """Readiness: 200 when the database answers, 503 (JSON) when it does not."""
        try:
            db.session.execute(sa.text("SELECT 1"))
            db.session.rollback()
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            db.session.rollback()
            return jsonify(status="unavailable", database="down"), 503
        return jsonify(status="ok", database="up"), 200
