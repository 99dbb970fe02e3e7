"""The day's gap figures kept in memory between readers, for as long as the data they come from
has not changed.

A figure is kept under its key, its day, and the data's version: how many changes the audit
trail has recorded (every writer changes data in a unit of work, which appends an audit record
per object it changes, see ``marketplace.core.unit_of_work``) and the time of the latest search
(searches are recorded beside the audit trail, as demand signals). Reading the version is one
small statement; a write anywhere, in this process or another, gives a new version and the next
reader works the figures out again, as does a new day; the figures of an older version or
day are dropped then. Reading never writes to the database.
A change made beside the unit of work (a bulk load into the database) is seen when the server
starts again, or when ``clear`` is called.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from marketplace.offers.tables import Offer

T = TypeVar("T")
MOST = 64  # figures kept; the oldest used goes first

_VERSION_SQL = (
    "SELECT (SELECT COALESCE(SUM(seq), 0) FROM audit_chain) AS changes, "
    "(SELECT COUNT(*) FROM audit_chain) AS chains, "
    "(SELECT MAX(at) FROM search_event) AS searched"
)
_kept: OrderedDict[tuple[Hashable, datetime.date, tuple[Any, ...]], Any] = OrderedDict()


async def data_version() -> tuple[Any, ...]:
    [row] = await Offer.raw(_VERSION_SQL).run()
    return (int(row["changes"] or 0), int(row["chains"] or 0), str(row["searched"]))


async def kept(key: Hashable, day: datetime.date, compute: Callable[[], Awaitable[T]]) -> T:
    """``compute()``'s answer for ``key`` on ``day``, worked out again once the data changed."""
    full = (key, day, await data_version())
    if full in _kept:
        _kept.move_to_end(full)
        found: T = _kept[full]
        return found
    value = await compute()
    _forget_older(day, full[2])
    _kept[full] = value
    while len(_kept) > MOST:
        _kept.popitem(last=False)
    return value


def _forget_older(day: datetime.date, version: tuple[Any, ...]) -> None:
    """Drop the figures of another day or data version: no reader asks for them again (a
    change only ever gives a new version), and a large figure (a drawn map of every offer)
    would otherwise stay until ``MOST`` newer ones pushed it out."""
    for stale in [k for k in _kept if k[1] != day or k[2] != version]:
        del _kept[stale]


def size() -> int:
    """How many figures are kept now."""
    return len(_kept)


def clear() -> None:
    _kept.clear()
