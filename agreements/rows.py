"""Typed rows: a row as piccolo reads it (a dict of column values) made into a frozen
dataclass, so that the type checker knows its fields and a misspelt column is an error."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RowT = TypeVar("RowT", bound="DataclassInstance")


def row_as(cls: type[RowT], row: Mapping[str, Any]) -> RowT:
    """The row as ``cls``: each field from the column of its name. Columns the dataclass does
    not name are left out; a column it names that the row lacks is a KeyError."""
    return cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})
