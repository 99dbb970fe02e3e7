"""Concurrent writers: on SQLite the writers of a process take turns in the order they came,
so none waits on the database's lock (and none fails with "database is locked"); a turn that
does not come in time is an unavailable database, answered 503."""

from __future__ import annotations

import asyncio
import datetime
import fcntl
import os
import sqlite3

import pytest

from marketplace.core import db
from marketplace.core.db import (
    DatabaseUnavailable,
    engine,
    is_unavailable,
    prepare_engine,
    release_engine,
)
from marketplace.core.tables import RateLimitWindow
from marketplace.core.unit_of_work import write_transaction
from tests.conftest import BACKEND

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock")
MOMENT = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


async def _write(n: int, hold: float) -> None:
    """A writer that holds its transaction open a while after its change."""
    async with write_transaction():
        await RateLimitWindow.insert(
            RateLimitWindow(client=f"writer-{n}", window_start=MOMENT, hits=1)
        ).run()
        await asyncio.sleep(hold)


async def test_concurrent_writers_all_succeed_even_with_a_short_busy_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On SQLite a writer that found the database's lock taken would give up after 10 ms with
    # "database is locked"; queued, no writer of this process ever finds it taken.
    if BACKEND == "sqlite":
        monkeypatch.setitem(engine().connection_kwargs, "timeout", 0.01)
    await asyncio.gather(*(_write(n, hold=0.02) for n in range(12)))
    rows = await RateLimitWindow.select(RateLimitWindow.client).run()
    assert sorted(r["client"] for r in rows) == sorted(f"writer-{n}" for n in range(12))


async def _refused_write() -> None:
    """A writer whose change is refused after it wrote: its transaction rolls back."""
    async with write_transaction():
        await RateLimitWindow.insert(
            RateLimitWindow(client="failed", window_start=MOMENT, hits=1)
        ).run()
        raise ValueError("the change is refused")


async def test_a_failed_writer_gives_its_turn_to_the_next() -> None:
    results = await asyncio.gather(
        _refused_write(), _write(1, hold=0), _write(2, hold=0), return_exceptions=True
    )
    assert isinstance(results[0], ValueError)
    assert results[1:] == [None, None]
    rows = await RateLimitWindow.select(RateLimitWindow.client).run()
    assert sorted(r["client"] for r in rows) == ["writer-1", "writer-2"]


@sqlite_only
async def test_a_writer_waits_while_another_process_has_the_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(engine().connection_kwargs, "timeout", 0.01)
    other = os.open(f"{engine().path}-turn", os.O_RDWR | os.O_CREAT)  # as another process
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        writer = asyncio.create_task(_write(1, hold=0))
        await asyncio.sleep(0.3)
        assert not writer.done()
        fcntl.flock(other, fcntl.LOCK_UN)
        await writer
    finally:
        os.close(other)
    rows = await RateLimitWindow.select(RateLimitWindow.client).run()
    assert [r["client"] for r in rows] == ["writer-1"]


@sqlite_only
async def test_a_writer_whose_turn_does_not_come_in_time_finds_the_database_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_SECONDS", 0.05)
    holder = asyncio.create_task(_write(1, hold=0.5))
    await asyncio.sleep(0.2)  # the holder has its turn
    with pytest.raises(DatabaseUnavailable) as refused:
        await _write(2, hold=0)
    assert is_unavailable(refused.value)  # answered 503 with Retry-After
    await holder
    rows = await RateLimitWindow.select(RateLimitWindow.client).run()
    assert [r["client"] for r in rows] == ["writer-1"]


@sqlite_only
async def test_the_served_sqlite_database_is_in_wal_mode_and_syncs_at_checkpoints() -> None:
    await prepare_engine()  # as the server does at start
    try:
        [mode] = await engine().run_ddl("PRAGMA journal_mode")
        [sync] = await engine().run_ddl("PRAGMA synchronous")
    finally:
        await release_engine()
    assert mode["journal_mode"] == "wal"
    assert sync["synchronous"] == 1  # NORMAL: a power cut may lose the last commits only


@sqlite_only
async def test_the_connections_kept_open_stay_usable_after_failures() -> None:
    """While the server runs its SQLite connections are kept between uses: a transaction
    that failed, a statement the database refused and many writers at once leave no kept
    connection inside a transaction or broken, and no more than a few are kept."""
    await prepare_engine()  # as the server does at start
    try:
        await _write(1, hold=0)
        with pytest.raises(ValueError, match="refused"):
            await _refused_write()
        with pytest.raises(sqlite3.OperationalError, match="syntax"):
            await RateLimitWindow.raw("SELEKT 1").run()
        await asyncio.gather(*(_write(n, hold=0.01) for n in range(2, 30)))
        kept = engine().idle  # type: ignore[attr-defined]
        assert 0 < len(kept) <= db.IDLE_SQLITE_CONNECTIONS
        assert not any(connection.in_transaction for connection in kept)
        rows = await RateLimitWindow.select(RateLimitWindow.client).run()
        assert sorted(r["client"] for r in rows) == sorted(f"writer-{n}" for n in range(1, 30))
    finally:
        await release_engine()
