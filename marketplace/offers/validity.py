"""Which version of a price list is in force on a day, and until when.

Kept apart from ``pricing`` so the search index can apply the same rule without importing the
catalogue's services.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol, TypeVar


class Versioned(Protocol):
    """What the in-force rule reads of a price-list version."""

    @property
    def year(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def valid_from(self) -> datetime.date: ...


V = TypeVar("V", bound=Versioned)


def in_force(versions: Sequence[V], on: datetime.date) -> V | None:
    """The version in force on a day: the highest of that year already valid then."""
    candidates = [v for v in versions if v.year == on.year and v.valid_from <= on]
    return max(candidates, key=lambda v: v.version, default=None)


def in_force_until(versions: Sequence[Versioned], on: datetime.date) -> datetime.date:
    """The first day after ``on`` whose price may differ: a later version of the year taking
    effect, or the new year (whose own price list, if any, applies from 1 January)."""
    later = [v.valid_from for v in versions if v.year == on.year and v.valid_from > on]
    return min(later, default=datetime.date(on.year + 1, 1, 1))
