"""Every `flask` command of the app, registered once by create_app():

    flask translate init LANG | update | compile   translations (translate.py)
    flask demo-data [--force]                       the demo users, posts and messages (data.py)
    flask seed --users N --posts N --messages N --password PW ...   the benchmarks' bulk data (data.py)

(`flask db ...` comes from Flask-Migrate, `flask run` from Flask.) The data they load is in microblog/seed/.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .data import demo_data, seed
    from .translate import translate

    for command in (translate, demo_data, seed):
        app.cli.add_command(command)
