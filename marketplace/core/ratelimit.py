"""Per-client request counting in the database, one counter per client and minute.

The counter is one upsert, so every instance of the service (and every worker) counts
against the same limit; old windows of a client are removed when it starts a new one.
"""

from __future__ import annotations

import datetime

from marketplace.core.db import relax_commit_durability
from marketplace.core.tables import RateLimitWindow
from marketplace.core.unit_of_work import write_transaction

WINDOW = datetime.timedelta(minutes=1)
KEEP = datetime.timedelta(hours=1)


def window_of(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


async def count_request(client: str, moment: datetime.datetime) -> int:
    """Count a request of ``client`` at ``moment``; answers the requests in its minute so far."""
    window = window_of(moment)
    async with write_transaction():
        await relax_commit_durability()
        rows = await RateLimitWindow.raw(
            "INSERT INTO rate_limit_window (client, window_start, hits) VALUES ({}, {}, 1) "
            "ON CONFLICT (client, window_start) "
            "DO UPDATE SET hits = rate_limit_window.hits + 1 RETURNING hits",
            client[:120],
            window,
        ).run()
        hits = int(rows[0]["hits"])
        if hits == 1:
            await (
                RateLimitWindow.delete()
                .where(
                    (RateLimitWindow.client == client[:120])
                    & (RateLimitWindow.window_start < window - KEEP)
                )
                .run()
            )
    return hits
