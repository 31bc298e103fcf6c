"""The users blueprint: profiles and avatars (views.py), follows and blocks (relation_views.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users", __name__)
