"""The job engine on PostgreSQL: procrastinate's schema, and jobs deferred in the caller's
transaction.

On PostgreSQL the deliveries and the calendar's work are procrastinate jobs, run by
``socialmarked worker`` (``schema.worker``). A delivery's job is written by
``procrastinate_defer_jobs_v1`` (a function of procrastinate's schema) through the same
asyncpg connection and transaction as the delivery row and its event, so a change, its
event and the job to send it are committed together or not at all; procrastinate's own
defer would use a connection of its own (psycopg). On SQLite there is no job engine: the
server sends the deliveries itself (``schema.worker.run_worker``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from marketplace.core.db import engine

QUEUE = "deliveries"

# One job per delivery ``d`` (parameters: queue, task, task, task): args {"delivery_id": d};
# its lock (``<task>:<id>``) keeps two workers from running it at once, its queueing lock
# keeps a second waiting job of it out.
_JOBS = """procrastinate_defer_jobs_v1(array_agg(ROW(
    {}::varchar, {}::varchar, 0, {}::text || ':' || d, {}::text || ':' || d,
    jsonb_build_object('delivery_id', d), NULL::timestamptz
)::procrastinate_job_to_defer_v1))"""
_DEFER = "SELECT " + _JOBS + " FROM unnest({}::text[]) AS d"


def uses_job_engine() -> bool:
    """True on PostgreSQL, where procrastinate runs the background work."""
    return not isinstance(engine(), SQLiteEngine)


async def defer_in_transaction(task: str, ids: Sequence[uuid.UUID]) -> None:
    """Inside the caller's transaction (PostgreSQL; nothing on SQLite): a ``task`` job per
    delivery id, committed with the transaction or not at all."""
    if not ids or not uses_job_engine():
        return
    strings = [str(i) for i in ids]
    await engine().run_querystring(QueryString(_DEFER, QUEUE, task, task, task, strings))


# Pending deliveries of a table without a waiting or running job (made before the job engine,
# or whose job gave up while the delivery still had time): a job each, as above.
_DEFER_MISSING = (
    "SELECT coalesce(array_length("
    + _JOBS
    + """, 1), 0) AS deferred
FROM (
    SELECT delivery.id::text AS d FROM "{table}" AS delivery
    WHERE delivery.status = 'pending' AND NOT EXISTS (
        SELECT 1 FROM procrastinate_jobs AS job
        WHERE job.lock = {}::text || ':' || delivery.id::text
          AND job.status IN ('todo', 'doing')
    )
) AS missing
"""
)


async def defer_missing(task: str, table: str) -> int:
    """A ``task`` job for each pending delivery of ``table`` that has none waiting or
    running (PostgreSQL; run as a worker starts); answers how many were deferred."""
    if not uses_job_engine():
        return 0
    sql = _DEFER_MISSING.replace("{table}", table)
    rows = await engine().run_querystring(QueryString(sql, QUEUE, task, task, task, task))
    return int(rows[0]["deferred"]) if rows else 0


async def job_schema_present() -> bool:
    """Whether procrastinate's tables are in the (PostgreSQL) database."""
    rows = await engine().run_querystring(
        QueryString("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
    )
    return bool(rows and rows[0]["present"])


async def apply_job_schema(database_url: str) -> bool:
    """Apply procrastinate's schema (PostgreSQL) unless it is there; answers whether it was
    applied now. Part of ``socialmarked migrate``."""
    if not uses_job_engine() or await job_schema_present():
        return False
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=database_url, min_size=1, max_size=1)
    )
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
    return True
