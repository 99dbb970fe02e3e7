"""Per-client request counting in the database, one counter per client and minute.

The counter is one upsert, so every instance of the service (and every worker) counts
against the same limit; old windows of a client are removed when it starts a new one. On
PostgreSQL all of it is one statement sent on its own (its commit not waited on to reach
the disk): one round trip a request.
"""

from __future__ import annotations

import datetime

from piccolo.engine.sqlite import SQLiteEngine

from marketplace.core.db import engine, relax_commit_durability
from marketplace.core.tables import RateLimitWindow
from marketplace.core.unit_of_work import write_transaction

WINDOW = datetime.timedelta(minutes=1)
KEEP = datetime.timedelta(hours=1)


def window_of(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


# $1 client, $2 window, $3 the oldest window kept; ``set_config(..., true)`` is SET LOCAL
# in the statement's own transaction. The old windows go when the new one is made.
_COUNT_ON_POSTGRES = """
WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
counted AS (
    INSERT INTO rate_limit_window (client, window_start, hits) VALUES ($1, $2, 1)
    ON CONFLICT (client, window_start)
    DO UPDATE SET hits = rate_limit_window.hits + 1 RETURNING hits
),
gone AS (
    DELETE FROM rate_limit_window
    WHERE client = $1 AND window_start < $3 AND EXISTS (SELECT 1 FROM counted WHERE hits = 1)
)
SELECT counted.hits FROM counted, relaxed
"""


async def count_request(client: str, moment: datetime.datetime) -> int:
    """Count a request of ``client`` at ``moment``; answers the requests in its minute so far."""
    window = window_of(moment)
    db = engine()
    if not isinstance(db, SQLiteEngine) and getattr(db, "pool", None) is not None:
        rows = await db._run_in_pool(_COUNT_ON_POSTGRES, [client[:120], window, window - KEEP])  # type: ignore[attr-defined]
        return int(rows[0]["hits"])
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
