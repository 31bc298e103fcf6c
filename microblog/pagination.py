"""Offset pagination without a total count: newer/older links, `?page=` checked strictly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _

from .extensions import db

MAX_PAGE = 100_000


@dataclass
class Page:
    items: list[Any]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None


def page_number() -> int:
    """The `page` query parameter: 1 when absent, 400 when it is not a whole number in range."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, description=_("The page number must be a whole number from 1 to %(max)d.", max=MAX_PAGE))
    return int(raw)


def paginate(stmt: sa.Select, per_page: int) -> Page:
    """Run `stmt` (one entity, newest first) for the requested page, one extra row telling if there is a next.

    A deferred join: the page's ids are found on the index alone (OFFSET skips index entries, not joined
    rows with their bodies and authors), then only those rows are loaded, with the statement's options.
    """
    number = page_number()
    model = stmt.column_descriptions[0]["entity"]
    ids = stmt.with_only_columns(model.id).limit(per_page + 1).offset((number - 1) * per_page)
    rows = db.session.scalars(stmt.where(model.id.in_(ids.scalar_subquery()))).unique().all()
    if number > 1 and not rows:
        abort(404, description=_("There is no page %(page)d.", page=number))
    return Page(items=list(rows[:per_page]), page=number, has_next=len(rows) > per_page)
