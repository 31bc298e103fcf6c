"""The job queue: one Huey instance on its SQL storage, pointed at a database by microblog.jobs.init_app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from huey import Huey
from huey.contrib.sql_huey import SqlStorage
from sqlalchemy.engine import make_url


PREFIX = "huey_"


def is_queue_table(name: str | None) -> bool:
    """The queue's own tables (Alembic's autogenerate leaves them alone: they are not our models)."""
    return bool(name) and name.startswith(PREFIX)


class Storage(SqlStorage):
    """Huey's SQL storage with its tables named `huey_*`, apart from ours (Alembic leaves them alone)."""

    def create_models(self):
        models = super().create_models()
        for model in models:
            model._meta.set_table_name(PREFIX + model._meta.table_name)
        task = models[2]
        task._meta.indexes = []  # the dequeue index was bound to the old name: made again for the new one
        task.add_index(task.priority.desc(), task.id)
        return models


class _Deferred:
    """The queue's storage, opened on first use with the URL that `init_app` gave (a Huey instance needs
    its storage when the tasks are declared, at import; the database is only known to the app)."""

    def __init__(self, name: str):
        self.name, self.url, self._real = name, None, None

    def configure(self, url: str) -> None:
        if url != self.url:
            if self._real is not None:
                self._real.close()
            self.url, self._real = url, None

    def __getattr__(self, attribute):
        if self._real is None:
            if self.url is None:
                raise RuntimeError("microblog.jobs: no app has configured the queue (init_app)")
            self._real = Storage(self.name, database=self.url)
        return getattr(self._real, attribute)


class Jobs(Huey):
    def get_storage(self, **kwargs):
        return _Deferred(self.name)


# results=False: nothing waits for a job's return value; utc: schedules are in UTC like our data.
huey = Jobs("microblog", results=False, utc=True)
_app: Flask | None = None


def queue_url(database_uri: str) -> str:
    """Where the queue lives (peewee's URL): beside an SQLite file, in the same PostgreSQL database."""
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return "sqlite:///:memory:"
        path = Path(url.database)
        return "sqlite:///" + str(path.with_name(path.stem + "-jobs" + path.suffix))
    return url.set(drivername="psycopg3").render_as_string(hide_password=False)


def app() -> Flask:
    """The app whose context the jobs of this process run in."""
    if _app is None:
        raise RuntimeError("microblog.jobs: no app (init_app)")
    return _app
