"""Views validated from rows, kept by the values they are made of.

A read makes each row into a view (a frozen pydantic model), and validating a row of 30
columns costs more than everything else done with it. The same values always make the same
view, so a view is kept under the values it was made of: a row read again (the first page of
offers, a page's providers and municipalities) is looked up instead of validated again, and
a row whose values changed is a new key, so nothing kept can go stale. A container value (a
JSON column's list) is part of the key as its JSON text; a row without one of the model's
columns (a field left to its default) is validated every time.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import msgspec
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

KEPT = 4096  # views kept per model; when full, all are forgotten at once
_CONTAINERS = (list, dict, set, tuple)


class ViewOfRow(Generic[M]):
    """``model`` validated from a row, the fields named in ``renamed`` read from the column
    given there (the row's other columns are there too, as before: the model ignores them)."""

    def __init__(self, model: type[M], renamed: Mapping[str, str] | None = None) -> None:
        self.model = model
        self.renamed = dict(renamed or {})
        fields = model.model_fields
        column = {name: self.renamed.get(name, name) for name in fields}
        self.plain = tuple(column[n] for n in fields if not _container(fields[n].annotation))
        self.encoded = tuple(column[n] for n in fields if _container(fields[n].annotation))
        self.kept: dict[tuple[Any, ...], M] = {}

    def __call__(self, row: Mapping[str, Any]) -> M:
        try:
            key = (
                *[row[c] for c in self.plain],
                *[msgspec.json.encode(row[c]) for c in self.encoded],
            )
            view = self.kept.get(key)
        except (KeyError, TypeError, msgspec.EncodeError):  # a column missing, or unhashable
            return self.make(row)
        if view is None:
            if len(self.kept) >= KEPT:
                self.kept.clear()
            view = self.kept[key] = self.make(row)
        return view

    def make(self, row: Mapping[str, Any]) -> M:
        """The view, validated."""
        given = {name: row[column] for name, column in self.renamed.items()}
        return self.model.model_validate({**row, **given})


def _container(annotation: Any) -> bool:
    """Whether a field's values are lists, dicts, sets or tuples (optional ones too)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return any(_container(argument) for argument in typing.get_args(annotation))
    return origin in _CONTAINERS or annotation in _CONTAINERS
