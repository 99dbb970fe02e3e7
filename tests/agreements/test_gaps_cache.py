"""The day's figures kept between readers: worked out once while the data is unchanged, again
after a write, and the figures of the older version dropped then (a drawn map of every offer
must not stay in memory once nobody can read it)."""

from __future__ import annotations

from agreements.announcements.service import create_announcement
from agreements.gaps import cache
from marketplace.core.clock import today
from tests.agreements.test_announcements import announcement
from tests.factories import REGISTRY_ADMIN


async def test_figures_are_worked_out_again_after_a_write_and_the_old_ones_dropped() -> None:
    worked: list[int] = []

    async def compute() -> int:
        worked.append(1)
        return len(worked)

    day = today()
    assert await cache.kept(("map", "1081"), day, compute) == 1
    assert await cache.kept(("map", "1081"), day, compute) == 1  # unchanged data: kept
    assert await cache.kept(("map", "1082"), day, compute) == 2
    assert cache.size() == 2
    await create_announcement(REGISTRY_ADMIN, announcement())  # a write: a new version
    assert await cache.kept(("map", "1081"), day, compute) == 3
    assert cache.size() == 1  # both figures of the older version are gone
    assert await cache.kept(("map", "1082"), day, compute) == 4
    assert cache.size() == 2
