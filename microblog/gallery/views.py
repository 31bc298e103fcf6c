"""Placeholder until the gallery lands."""
from flask import Blueprint

bp = Blueprint("gallery", __name__)
