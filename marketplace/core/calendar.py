"""The calendar's work: what a new day changes, done by one ``tick(day)``.

A pending request is expired once its deadline has passed, a running contract ended once its
last day has, an agreement in force expired after its period, and the search documents'
day facts (price in force, places in use, first free day) must be worked out for the day.
Reads answer what the day means without waiting for the tick (see each package); the tick
records it, as the service itself (``SYSTEM``), audited like any other change.

Each package registers its step (``daily``) through the composition root; the steps run in
the order registered. ``socialmarked tick`` runs it, and so does a periodic task inside the
server (``TICK_INTERVAL_SECONDS``). Running it again on the same day changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable

DailyStep = Callable[[datetime.date], Awaitable[int]]

_STEPS: dict[str, DailyStep] = {}


def daily(name: str, step: DailyStep) -> None:
    """Run ``step(day)`` in every tick under ``name`` (registered once per name)."""
    _STEPS.setdefault(name, step)


def steps() -> list[str]:
    return list(_STEPS)


async def tick(day: datetime.date) -> dict[str, int]:
    """Do the calendar's work for ``day``: per step, how many things it changed."""
    if not _STEPS:
        raise RuntimeError("no calendar steps are wired in: call schema.composition.compose()")
    return {name: await step(day) for name, step in _STEPS.items()}
