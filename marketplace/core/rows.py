"""Typed rows: what a service reads from a table, as a frozen dataclass whose field names are
the table's column names (or a query's aliases), so every field read is checked by mypy.

A row class names only the columns its reader needs; ``row_as`` takes those from a piccolo
row and leaves the others, and ``columns_of`` selects exactly them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from piccolo.columns import Column
from piccolo.table import Table

RowT = TypeVar("RowT")


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def field_names(kind: type[Any]) -> tuple[str, ...]:
    """The field names of a dataclass, in order (worked out once per class)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def row_as(kind: type[RowT], row: Mapping[str, Any]) -> RowT:
    """The values of ``row`` named by ``kind``'s fields, as a ``kind``."""
    return cast(Any, kind)(**{name: row[name] for name in field_names(kind)})


def rows_as(kind: type[RowT], rows: Iterable[Mapping[str, Any]]) -> list[RowT]:
    return [row_as(kind, row) for row in rows]


def row_or_none(kind: type[RowT], row: Mapping[str, Any] | None) -> RowT | None:
    return None if row is None else row_as(kind, row)


def fields_of(row: Any) -> dict[str, Any]:
    """A row's fields by name (shallow, unlike ``dataclasses.asdict``), for a view to
    validate."""
    return {name: getattr(row, name) for name in field_names(type(row))}


def columns_of(table: type[Table], kind: type[Any]) -> list[Column]:
    """The columns of ``table`` that ``kind``'s fields name, in the fields' order."""
    return [table._meta.get_column_by_name(name) for name in field_names(kind)]
