"""Places under contract, as the catalogue needs them: an offer's places may shrink, or more
be declared in use, only while every contract still has its place.

Contracting lies above the catalogue and answers; the composition root wires it in with
``use_contracted_places``, as it wires the regional agreements into ``marketplace.core.rules``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable

# The most places the offer's contracts hold on any one day from the given day on.
ContractedPeak = Callable[[uuid.UUID, datetime.date], Awaitable[int]]

_peak: ContractedPeak | None = None


def use_contracted_places(peak: ContractedPeak) -> None:
    global _peak
    _peak = peak


async def contracted_peak(offer_id: uuid.UUID, day: datetime.date) -> int:
    if _peak is None:
        raise RuntimeError("contracting is not wired in: call schema.composition.compose()")
    return await _peak(offer_id, day)
