"""Keyset pagination: stable pages over an ordered query, with a total count.

A cursor is the base64 of the JSON list of the row's sort-key values, so a page never
shifts when rows are added before it (unlike offset paging).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
from piccolo.columns import UUID, Column, Date, Integer, Serial, SmallInt, Timestamptz
from piccolo.columns.combination import Combinable
from piccolo.query.methods.select import Select
from piccolo.table import Table

from marketplace.core.db import fetch_compiled
from marketplace.core.errors import DomainError, ErrorCode

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    # False: the caller does not read the page's ``total_count`` (left 0), so it is not
    # counted (a second statement over every matching row)
    count: bool = True

    @classmethod
    def of(cls, first: int | None, after: str | None, *, count: bool = True) -> PageRequest:
        """Validate what a client asked for; a bad value is a DomainError on that argument."""
        size = DEFAULT_PAGE_SIZE if first is None else first
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise DomainError(
                ErrorCode.INVALID,
                f"`first` must be between 0 and {MAX_PAGE_SIZE}; asked for {size}.",
                ["first"],
            )
        return cls(first=size, after=after or None, count=count)


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    total_count: int
    has_next_page: bool
    has_previous_page: bool

    @classmethod
    def empty(cls) -> Page[T]:
        return cls(
            items=[], cursors=[], total_count=0, has_next_page=False, has_previous_page=False
        )

    @property
    def next_after(self) -> str | None:
        """The cursor to ask for the next page with, if there is one."""
        return self.cursors[-1] if self.has_next_page and self.cursors else None

    def head(self, first: int) -> Page[T]:
        """The first ``first`` items of a page that holds a whole (short) list."""
        return Page(
            items=self.items[:first],
            cursors=self.cursors[:first],
            total_count=self.total_count,
            has_next_page=self.total_count > first,
            has_previous_page=False,
        )

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return self.with_items([fn(i) for i in self.items])

    def with_items(self, items: list[U]) -> Page[U]:
        """The same page holding ``items`` (one for each of its own, e.g. views made in bulk)."""
        return Page(
            items=items,
            cursors=self.cursors,
            total_count=self.total_count,
            has_next_page=self.has_next_page,
            has_previous_page=self.has_previous_page,
        )


def _to_json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _from_json(column: Column, value: Any) -> Any:
    if isinstance(column, UUID):
        return uuid.UUID(str(value))
    if isinstance(column, Timestamptz):
        return datetime.datetime.fromisoformat(str(value))
    if isinstance(column, Date):
        return datetime.date.fromisoformat(str(value))
    if isinstance(column, Integer | SmallInt | Serial):
        return int(value)
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """The values as a cursor: compact JSON (msgspec's, several times quicker than the json
    module's with its separators; text in UTF-8), base64url without padding."""
    raw = msgspec.json.encode([_to_json(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order_by: Sequence[Column]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(order_by):
            raise ValueError("wrong shape")
        return [_from_json(col, v) for col, v in zip(order_by, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError(
            ErrorCode.INVALID, "`after` is not a cursor from this list.", ["after"]
        ) from exc


def all_of(conditions: Iterable[Combinable | None]) -> Combinable | None:
    """The conditions joined with AND, leaving out None; None when none is left."""
    combined: Combinable | None = None
    for condition in conditions:
        if condition is not None:
            combined = condition if combined is None else combined & condition
    return combined


def _after(
    order_by: Sequence[Column], values: Sequence[Any], descending: bool = False
) -> Combinable:
    """(c1, c2, ...) > (v1, v2, ...) in lexicographic order (< when ``descending``), written
    portably."""
    condition: Combinable | None = None
    for i, column in enumerate(order_by):
        term: Combinable = column < values[i] if descending else column > values[i]
        for prev_col, prev_val in zip(order_by[:i], values[:i], strict=True):
            term = term & (prev_col == prev_val)
        condition = term if condition is None else condition | term
    assert condition is not None
    return condition


async def paginate(
    table: type[Table],
    *,
    where: Combinable | None,
    order_by: Sequence[Column],
    page: PageRequest,
    columns: Sequence[Any] = (),
    load_json: bool = False,
    shape: tuple[Any, list[Any]] | None = None,
    descending: bool = False,
) -> Page[dict[str, Any]]:
    """One page of ``table`` rows (as dicts) in ascending ``order_by`` order (descending with
    ``descending``).

    ``order_by`` must end in a unique column (the primary key) so the order is total.
    Two statements: the page (one row extra to learn if there is a next page) and the count;
    the count only when ``page.count`` asks for it.

    ``shape`` (a key and the condition's parameters, in order) names a select whose condition,
    columns and order are always made the same way: its first page's SQL is then made once
    (``fetch_compiled``).
    """
    condition = where
    if page.after is not None:
        keyset = _after(order_by, decode_cursor(page.after, order_by), descending)
        condition = keyset if condition is None else condition & keyset

    def select() -> Select:  # made only when it is run (not for SQL made once)
        query = (
            table.select(*columns)
            .order_by(*order_by, ascending=not descending)
            .limit(page.first + 1)
        )
        if load_json:
            query = query.output(load_json=True)
        return query.where(condition) if condition is not None else query

    rows: list[dict[str, Any]] | None = None
    if shape is not None and page.after is None and page.first > 0:
        key = (table._meta.tablename, shape[0], page.first, descending)
        rows = await fetch_compiled(key, select, shape[1])
    if rows is None:
        rows = await select().run() if page.first > 0 else []
    total = 0
    if page.count or page.first == 0:
        count_query = table.count()
        total = await (count_query.where(where) if where is not None else count_query).run()
    has_next = len(rows) > page.first if page.first > 0 else total > 0
    rows = rows[: page.first]
    cursors = [encode_cursor([row[c._meta.name] for c in order_by]) for row in rows]
    return Page(
        items=rows,
        cursors=cursors,
        total_count=total,
        has_next_page=has_next,
        has_previous_page=page.after is not None,
    )


# --- offset cursors, for lists computed whole (search results, a billing statement) -----------


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_offset(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        offset = data["offset"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError("bad offset")
        return offset
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError(
            ErrorCode.INVALID, "`after` is not a cursor from this list.", ["after"]
        ) from exc


def page_of(items: Sequence[T], page: PageRequest) -> Page[T]:
    """One page of a list held whole in memory."""
    offset = decode_offset(page.after) if page.after else 0
    chosen = list(items[offset : offset + page.first])
    return Page(
        items=chosen,
        cursors=[encode_offset(offset + i + 1) for i in range(len(chosen))],
        total_count=len(items),
        has_next_page=offset + len(chosen) < len(items),
        has_previous_page=offset > 0,
    )
