"""Flask extensions, created unbound; `create_app` binds them."""

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from .i18n import RequestBabel


class Base(DeclarativeBase):
    """Declarative base shared by every feature's models."""


# expire_on_commit=False: a view that commits (a write path) may still render the objects it holds
# without reloading each one.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = RequestBabel()  # Flask-Babel, each request's catalogue found once (i18n.py)
compress = Compress()
