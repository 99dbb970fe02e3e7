"""A connection given back to the pool is ready for the next request without a round trip of
its own: a transaction left open is rolled back, and nothing else is sent (asyncpg's default
sent a reset of session state this service never makes, twice a request)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from marketplace.core.db import engine
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="a connection pool is PostgreSQL's")


async def test_a_connection_given_back_is_rolled_back_and_costs_no_statement(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = engine().pool  # type: ignore[attr-defined]
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    await connection.execute("CREATE TEMPORARY TABLE left_behind (n int)")  # never committed
    sent: list[str] = []
    execute = asyncpg.Connection.execute

    async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(query)
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "execute", counted)
    await pool.release(connection)
    assert [q.strip().rstrip(";").upper() for q in sent] == ["ROLLBACK"]  # and no reset

    held = [await pool.acquire() for _ in range(pool.get_size())]  # the same one among them
    try:
        for again in held:
            assert not again.is_in_transaction()
            found = await again.fetchval("SELECT to_regclass('pg_temp.left_behind')")
            assert found is None  # the open transaction was rolled back, its table with it
    finally:
        for again in held:
            await pool.release(again)

    answer = await client.post("/graphql", json={"query": "{ regions { code } }"})
    assert answer.status_code == 200 and "errors" not in answer.json()
