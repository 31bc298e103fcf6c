"""Offset pagination without a total count: newer/older links, `?page=` checked strictly."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Listing:
    """A list's statement built once (its values as bound parameters) and the values of this request: the
    page then pays only for binding them. Building the statement and its cache key anew cost a list page
    about a fifth of a millisecond (issue 27).

    `stmt` selects one entity, or columns that `make` turns into the list's items (a row each). `ids`, when
    given, is the page's ids (newest first, `page_limit` and `page_offset` bound) found another way than
    `stmt`'s own filter with LIMIT/OFFSET, which then has none."""

    stmt: sa.Select
    params: dict = field(default_factory=dict)
    ids: sa.Select | None = None
    make: Callable[[Any], Any] | None = None

    def nothing(self) -> "Listing":
        """The same list with no rows (e.g. a profile hidden by a block): built per call, rarely asked."""
        return Listing(self.stmt.where(sa.false()), self.params, make=self.make)


# The page statement of each long-lived list statement (by its ids statement when it has one), with the
# statement it was made from: its ids by LIMIT/OFFSET on the index, then the rows.
_PAGED: "weakref.WeakKeyDictionary[sa.Select, tuple[sa.Select, sa.Select]]" = weakref.WeakKeyDictionary()


def _paged(stmt: sa.Select, ids: sa.Select | None = None) -> sa.Select:
    """The deferred join of `stmt` (newest first), with `page_limit` and `page_offset` bound: the rows of
    `ids`, or of `stmt`'s own ids."""
    key = ids if ids is not None else stmt
    made = _PAGED.get(key)
    if made is None or made[0] is not stmt:
        model = stmt.column_descriptions[0]["entity"]
        if ids is None:
            ids = stmt.with_only_columns(model.id)
            ids = ids.limit(sa.bindparam("page_limit")).offset(sa.bindparam("page_offset"))
        made = _PAGED[key] = (stmt, stmt.where(model.id.in_(ids.scalar_subquery())))
    return made[1]


def paginate(listing: Listing | sa.Select, per_page: int) -> Page:
    """Run the list (one entity, newest first) for the requested page, one extra row telling if there is a next.

    A deferred join: the page's ids are found on the index alone (OFFSET skips index entries, not joined
    rows with their bodies and authors), then only those rows are loaded, with the statement's options.
    """
    number = page_number()
    if not isinstance(listing, Listing):
        listing = Listing(listing)
    params = {**listing.params, "page_limit": per_page + 1, "page_offset": (number - 1) * per_page}
    if listing.make is None:
        rows = db.session.scalars(_paged(listing.stmt, listing.ids), params).unique().all()
    else:
        rows = [listing.make(row) for row in db.session.execute(_paged(listing.stmt, listing.ids), params)]
    if number > 1 and not rows:
        abort(404, description=_("There is no page %(page)d.", page=number))
    return Page(items=list(rows[:per_page]), page=number, has_next=len(rows) > per_page)
