"""The database: engine from ``DATABASE_URL``, write transactions, migration state.

SQLite (the embedded default) and PostgreSQL differ in how writers take locks; that
difference lives here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import fcntl
import os
import re
import sqlite3
import sys
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import aiosqlite
import asyncpg
import msgspec
from piccolo.apps.migrations.commands.check import CheckMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.columns import JSON, Column
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
)
from piccolo.engine.sqlite import dict_factory as sqlite_rows
from piccolo.query.methods.select import Select
from piccolo.querystring import QueryString
from piccolo.table import Table

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.settings import get_settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# PostgreSQL settings of the service's connections:
# - asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan
#   that ignores the parameters, which for search (lists of terms and codes) can be a hundred
#   times slower, so each execution is planned for its own values;
# - JIT compilation pays off for long analytical queries, not for requests of milliseconds,
#   where it adds tens of them;
# - parallel workers each rebuild the hash side of a join (the search's term matches), which
#   costs a request more than it saves; requests run in parallel with each other instead.
SERVER_SETTINGS = {
    "plan_cache_mode": "force_custom_plan",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}


def sqlite_path(url: str) -> Path:
    """The file of an SQLite URL.

    ``sqlite:///var/x.sqlite3`` is relative to the working directory; ``sqlite:////abs/x``
    is absolute.
    """
    parsed = urlparse(url)
    path = unquote(parsed.path)
    # urlparse keeps the leading slash of the path part: strip one for the relative form.
    return Path(path[1:] if path.startswith("/") else path)


NUL_REFUSED = "Text cannot contain the NUL character (U+0000)."


# parameters that are never text: passed over at once (a list of keys is most of them)
_NOT_TEXT = frozenset(
    {uuid.UUID, int, float, bool, type(None), datetime.date, datetime.datetime, Decimal}
)


def _holds_nul(value: Any) -> bool:
    """Whether a query's parameters hold text with the NUL character (U+0000)."""
    if type(value) in _NOT_TEXT:
        return False
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, QueryString):
        return any(_holds_nul(arg) for arg in value.args)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return False


def refuse_nul(querystring: QueryString) -> None:
    """PostgreSQL's text cannot hold U+0000 (the driver fails on it) while SQLite's can: text
    with it is the client's mistake on both, refused before the database sees it."""
    if _holds_nul(querystring):
        raise DomainError(ErrorCode.INVALID, NUL_REFUSED)


def _sqlite_connection(synchronous: str) -> type[sqlite3.Connection]:
    """The class of the service's SQLite connections: in WAL mode (which the server sets at
    start, see ``prepare_engine``) each sets ``PRAGMA synchronous`` (a setting of the
    connection, not of the file) as it opens; in another journal mode it keeps FULL, the one
    that is safe there."""

    class _Connection(sqlite3.Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            [(mode,)] = self.execute("PRAGMA journal_mode").fetchall()
            if mode == "wal":
                self.execute(f"PRAGMA synchronous={synchronous.upper()}")

    return _Connection


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


_turn_files: dict[str, int] = {}


def _turn_file(database: str) -> int:
    """This process's descriptor of the file beside the database whose lock is the turn to
    write among processes."""
    fd = _turn_files.get(database)
    if fd is None:
        fd = _turn_files[database] = os.open(f"{database}-turn", os.O_RDWR | os.O_CREAT, 0o600)
    return fd


async def _take_file_turn(fd: int) -> None:
    """The turn among processes: an exclusive lock of the turn file, waited for in a thread
    (the kernel wakes the waiter as soon as the holder lets go). Only the first writer of
    each process's queue waits here."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    taken = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
    try:
        await asyncio.shield(taken)
    except BaseException:
        # the writer gave up (timed out, cancelled): a lock that comes after goes back at once
        def give_back(done: asyncio.Future[None]) -> None:
            if not done.cancelled() and done.exception() is None:
                fcntl.flock(fd, fcntl.LOCK_UN)

        taken.add_done_callback(give_back)
        raise


class _SQLiteTransaction(SQLiteTransaction):
    """A transaction that writes (IMMEDIATE or EXCLUSIVE) waits for its turn between opening
    its connection and BEGIN, and gives it back as soon as it commits or rolls back
    (``SQLITE_WRITE_QUEUE``): first among the writers of this process, in the order they came,
    then among processes (``--workers``) through a lock of the file ``<database>-turn``.

    SQLite holds one writer at a time. Without turns every waiting writer polls the
    database's lock with sleeps of up to 100 ms, so the lock goes to whoever polls at the right
    moment, and a writer can lose it again and again for seconds. A turn not had within the
    busy timeout is an unavailable database (503), as the busy timeout's "database is locked"
    is."""

    __slots__ = ("_turn", "_turn_fd")

    async def begin(self) -> None:
        self._turn: asyncio.Lock | None = None
        self._turn_fd: int | None = None
        if self.transaction_type is not TransactionType.deferred and (
            get_settings().sqlite_write_queue
        ):
            await self._take_turn()
        try:
            await super().begin()
        except BaseException:
            self._give_turn_back()
            raise

    async def _take_turn(self) -> None:
        loop = asyncio.get_running_loop()
        turn = _turns.get(loop) or _turns.setdefault(loop, asyncio.Lock())
        fd = _turn_file(self.engine.path)
        try:
            async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_SECONDS):
                await turn.acquire()
                self._turn = turn
                await _take_file_turn(fd)
                self._turn_fd = fd
        except TimeoutError:
            self._give_turn_back()
            raise DatabaseUnavailable("No turn to write came in time.") from None
        except BaseException:
            self._give_turn_back()
            raise

    def _give_turn_back(self) -> None:
        fd, self._turn_fd = getattr(self, "_turn_fd", None), None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        turn, self._turn = getattr(self, "_turn", None), None
        if turn is not None:
            turn.release()

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            self._give_turn_back()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._give_turn_back()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        """Piccolo's end of a transaction (commit, or roll back on an exception), with the
        connection given back to the engine's idle connections instead of closed."""
        if self._parent:
            return exception is None
        try:
            if exception and not self._rolled_back:
                await self.rollback()
            elif not exception and not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self._give_turn_back()
            await self.engine.put_back(self.connection)  # type: ignore[attr-defined]
            self.engine.current_transaction.reset(self.context)
        return exception is None


IDLE_SQLITE_CONNECTIONS = 8


class _SQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection (a thread, the file, two PRAGMAs) for every
    transaction and for every query outside one, and sets ``PRAGMA foreign_keys`` again before
    every query inside one. While the process has prepared the engine (``prepare_engine``),
    this one keeps up to ``IDLE_SQLITE_CONNECTIONS`` connections open between uses, each with
    foreign keys on from the start; ``release_engine`` closes them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle: list[aiosqlite.Connection] = []
        self.keeping = False

    async def get_connection(self) -> aiosqlite.Connection:
        while self.idle:
            connection = self.idle.pop()
            if connection._connection is not None:  # still open
                return connection
        connection = aiosqlite.connect(**self.connection_kwargs)
        # the connection's thread must not hold up the interpreter's exit
        connection._thread.daemon = True
        await connection
        connection.row_factory = sqlite_rows  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def put_back(self, connection: aiosqlite.Connection) -> None:
        """Keep ``connection`` for the next use when it is healthy and idle; else close it."""
        if (
            self.keeping
            and len(self.idle) < IDLE_SQLITE_CONNECTIONS
            and connection._connection is not None
            and not connection.in_transaction
        ):
            self.idle.append(connection)
            return
        with contextlib.suppress(Exception):
            await connection.close()

    async def close_idle(self) -> None:
        self.keeping = False
        idle, self.idle = self.idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        """A query outside a transaction, on a kept connection: run and fetched in one call
        to the connection's thread (piccolo makes four: run, commit, fetch, close), then
        committed when it wrote."""
        connection = await self.get_connection()
        try:
            rows = await connection.execute_fetchall(query, args or [])
            if connection.in_transaction:
                await connection.commit()
            return rows
        finally:
            await self.put_back(connection)

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        """A query inside a transaction, run and fetched in one call to the connection's
        thread (piccolo makes four: foreign keys on, run, fetch, close); the connection has had
        foreign keys on since it opened."""
        return await connection.execute_fetchall(query, args or [])

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        refuse_nul(querystring)
        return await super().run_querystring(querystring, in_pool)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _SQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


class _PostgresTransaction(PostgresTransaction):
    async def get_connection(self) -> Any:
        if self.engine.pool:
            return await _acquire(self.engine.pool, getattr(self.engine, "acquire_timeout", 5.0))
        return await self.engine.get_new_connection()


class _PostgresEngine(PostgresEngine):
    acquire_timeout = 5.0  # seconds; from the settings when the pool starts

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        refuse_nul(querystring)
        return await super().run_querystring(querystring, in_pool)

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        if not self.pool:
            raise ValueError("A pool isn't currently running.")
        connection = await _acquire(self.pool, self.acquire_timeout)
        try:
            return await connection.fetch(query, *(args or []))
        finally:
            await self.pool.release(connection)

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _PostgresTransaction(engine=self, allow_nested=allow_nested)


def create_engine(url: str) -> Engine:
    """Build the piccolo engine named by a database URL (refusing text with NUL characters,
    see ``refuse_nul``). SQLite connections sync as ``SQLITE_SYNCHRONOUS`` says. A PostgreSQL connection that cannot be made within the pool timeout
    fails instead of waiting (asyncpg waits a minute by default)."""
    if url.startswith("sqlite://"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        synchronous = get_settings().sqlite_synchronous
        return _SQLiteEngine(
            path=str(path),
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
            factory=_sqlite_connection(synchronous),
        )
    if url.startswith(("postgresql://", "postgres://")):
        timeout = get_settings().database_pool_timeout_seconds
        return _PostgresEngine(
            config={"dsn": url, "server_settings": SERVER_SETTINGS, "timeout": timeout}
        )
    raise ValueError(f"unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def engine() -> Engine:
    """The configured engine: ``piccolo_conf.DB`` (or the module PICCOLO_CONF names), read
    from the imported module as piccolo's finder does, without making a finder each time
    (every statement asks)."""
    module = sys.modules.get(os.environ.get("PICCOLO_CONF") or "piccolo_conf")
    db = getattr(module, "DB", None)
    if not isinstance(db, Engine):
        db = engine_finder()
    if db is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("piccolo_conf.DB is not defined")
    return db


_engine_users = 0


async def prepare_engine() -> None:
    """Per-process set-up: WAL mode and kept connections for SQLite, a connection pool for
    PostgreSQL.

    Counted, so several apps in one process (tests) share one pool and the last to
    leave closes it.
    """
    global _engine_users
    _engine_users += 1
    if _engine_users > 1:
        return
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")
        if isinstance(db, _SQLiteEngine):
            db.keeping = True
    else:
        settings = get_settings()
        size = settings.database_pool_size
        await db.start_connection_pool(  # type: ignore[call-arg]
            min_size=min(2, size), max_size=size, reset=keep_session
        )
        if isinstance(db, _PostgresEngine):
            db.acquire_timeout = settings.database_pool_timeout_seconds


async def keep_session(connection: asyncpg.Connection) -> None:
    """What the pool does to a connection given back, besides asyncpg's own rollback of a
    transaction left open: nothing more. asyncpg's default sends ``SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on every release, a round
    trip each time (two a request: the rate limit's count and the operation), to undo
    session state this service never makes on these connections: no session advisory lock,
    no LISTEN (the jobs' connections are their own), no cursor outside a transaction, and
    settings only when connecting (``SERVER_SETTINGS``, which RESET ALL keeps anyway) or
    LOCAL to a transaction."""


async def release_engine() -> None:
    global _engine_users
    _engine_users -= 1
    if _engine_users > 0:
        return
    db = engine()
    if isinstance(db, _SQLiteEngine):
        await db.close_idle()
    elif not isinstance(db, SQLiteEngine):
        await db.close_connection_pool()


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or no connection of the pool came free in time: the
    request was not done and may be tried again."""


async def _acquire(pool: Any, seconds: float) -> Any:
    """A connection of the pool, or ``DatabaseUnavailable`` after ``seconds`` (asyncpg waits
    for ever): a pool that stays exhausted is an answer, not a queue."""
    try:
        return await pool.acquire(timeout=seconds)
    except TimeoutError:
        raise DatabaseUnavailable("No database connection came free in time.") from None


_UNAVAILABLE_TYPES: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,
    ConnectionError,  # refused, reset, aborted
    TimeoutError,  # a connection not made in time
    asyncpg.exceptions.PostgresConnectionError,  # class 08
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutting down, starting up
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) says the database is down, unreachable, busy
    beyond its timeout or out of connections, rather than that the code is wrong."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, _UNAVAILABLE_TYPES):
            return True
        if isinstance(error, sqlite3.OperationalError) and any(
            text in str(error).lower() for text in _SQLITE_UNAVAILABLE
        ):
            return True
        if isinstance(error, asyncpg.exceptions.InterfaceError) and any(
            text in str(error) for text in ("pool is closing", "connection is closed")
        ):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


@dataclass(frozen=True)
class MigrationState:
    applied: int
    pending: list[str]

    @property
    def is_current(self) -> bool:
        return not self.pending


async def migration_state() -> MigrationState:
    statuses = await CheckMigrationManager(app_name="all").get_migration_statuses()
    pending = [f"{s.app_name}:{s.migration_id}" for s in statuses if not s.has_ran]
    return MigrationState(applied=len(statuses) - len(pending), pending=pending)


class SchemaBehindError(RuntimeError):
    """The database lacks migrations this code needs."""

    def __init__(self, pending: list[str]) -> None:
        super().__init__(
            f"The database schema is behind: {len(pending)} migration(s) not applied "
            f"({', '.join(pending)}). Run `socialmarked migrate` (or `make migrate`) first."
        )
        self.pending = pending


async def ensure_schema_current() -> None:
    from marketplace.core import jobs

    state = await migration_state()
    pending = list(state.pending)
    if jobs.uses_job_engine() and not await jobs.job_schema_present():
        pending.append("procrastinate:schema")
    if pending:
        raise SchemaBehindError(pending)


async def migrate() -> int:
    """Apply every pending migration, and on PostgreSQL the job engine's schema
    (procrastinate's, unless present); return how many migrations ran. Safe to call
    again."""
    from marketplace.core import jobs

    before = await migration_state()
    result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
    if await jobs.apply_job_schema(get_settings().database_url):
        print("The job engine's schema (procrastinate) applied.")
    return len(before.pending)


async def lock_row(
    table: type[Table], key: Any, *columns: Column, load_json: bool = False
) -> dict[str, Any] | None:
    """Read a row (all columns unless some are named) and hold it until the current
    transaction ends, so writers that check and then change it, or what depends on it (the
    places of an offer), take turns. PostgreSQL locks the row (SELECT ... FOR UPDATE);
    SQLite's write transactions already hold the whole database
    (``marketplace.core.unit_of_work.write_transaction``)."""
    pk = table._meta.primary_key
    query = table.select(*columns).where(pk == key).output(load_json=load_json)
    if not isinstance(engine(), SQLiteEngine):
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    return rows[0] if rows else None


def lock_skipping(query: Select) -> Select:
    """``query`` taking the rows it finds for the transaction and passing over those another
    transaction holds (PostgreSQL: FOR UPDATE SKIP LOCKED), so workers claiming work never
    take the same row. SQLite's write transactions hold the whole database: unchanged."""
    if isinstance(engine(), SQLiteEngine):
        return query
    return query.lock_rows("UPDATE", skip_locked=True)


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint failure on either backend."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


# --- constraints for migrations ------------------------------------------------------------
# SQLite cannot ALTER TABLE ... ADD CONSTRAINT, so migrations add constraints through these
# helpers: the same unique index on both backends, and a CHECK that PostgreSQL enforces as a
# constraint and SQLite through triggers that abort the statement.


async def add_unique_index(table: str, name: str, columns: list[str]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    await engine().run_ddl(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({cols})')


async def add_check(table: str, name: str, condition: str) -> None:
    """``condition`` names the row's columns as ``{row}.column``."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        test = condition.replace("{row}.", "NEW.")
        for event in ("INSERT", "UPDATE"):
            await db.run_ddl(
                f'CREATE TRIGGER IF NOT EXISTS "{name}_{event.lower()}" BEFORE {event} ON "{table}" '
                f"WHEN NOT ({test}) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
            )
    else:
        test = condition.replace("{row}.", "")
        await db.run_ddl(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({test})')


async def drop_check(table: str, name: str) -> None:
    db = engine()
    if isinstance(db, SQLiteEngine):
        for event in ("insert", "update"):
            await db.run_ddl(f'DROP TRIGGER IF EXISTS "{name}_{event}"')
    else:
        await db.run_ddl(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


async def sync_reference_rows(table: type[Table], rows: list[dict[str, Any]]) -> int:
    """Make ``table`` hold ``rows`` (keyed by primary key): insert the missing, correct the
    changed, leave the rest. Returns how many rows changed. Rows not listed are kept."""
    pk = table._meta.primary_key
    existing = {row[pk._meta.name]: row for row in await table.select().run()}
    missing = [row for row in rows if row[pk._meta.name] not in existing]
    if missing:
        await table.insert(*(table(**row) for row in missing)).run()
    changed = 0
    for row in rows:
        current = existing.get(row[pk._meta.name])
        if current is not None and any(current[k] != v for k, v in row.items()):
            values: dict[Column | str, Any] = {
                table._meta.get_column_by_name(k): v for k, v in row.items()
            }
            await table.update(values).where(pk == row[pk._meta.name]).run()
            changed += 1
    return len(missing) + changed


async def analyze() -> None:
    """Refresh the query planner's statistics after a bulk load. On PostgreSQL also VACUUM, so
    the new rows are marked visible to all and covering indexes answer without the table."""
    db = engine()
    await db.run_ddl("ANALYZE" if isinstance(db, SQLiteEngine) else "VACUUM (ANALYZE)")


async def relax_commit_durability() -> None:
    """In the current transaction, let PostgreSQL acknowledge the commit before it is on disk.

    For records whose loss in a crash costs nothing but a statistic (demand signals); the
    database stays consistent either way. SQLite's connections already sync at checkpoints
    only (``SQLITE_SYNCHRONOUS``, WAL mode).
    """
    db = engine()
    if not isinstance(db, SQLiteEngine):
        await db.run_ddl("SET LOCAL synchronous_commit TO OFF")


def like_text(text: str) -> str:
    """User text for a LIKE pattern, as plain text on both backends.

    LIKE has no portable escape (PostgreSQL escapes with a backslash by default, SQLite not at
    all), so the wildcards and the backslash are dropped rather than escaped.
    """
    return text.replace("\\", "").replace("%", "").replace("_", "")


def json_rows(alias: str, columns: dict[str, str]) -> str:
    """A FROM-clause item that reads rows from one JSON parameter (``{}``, a JSON array of
    objects): ``columns`` maps each name to its PostgreSQL type. One parameter however many
    rows, where a VALUES list would need one per value and meet the drivers' limits."""
    if isinstance(engine(), SQLiteEngine):
        fields = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in columns)
        return f"(SELECT {fields} FROM json_each({{}})) AS {alias}"
    typed = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    return f"json_to_recordset(CAST({{}} AS json)) AS {alias}({typed})"


# --- hot reads: a select's SQL made once --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    json_columns: tuple[str, ...]


_COMPILED: dict[Any, _Compiled] = {}


def _compile(build: Any, args: Sequence[Any], any_of: bool) -> _Compiled:
    query: Select = build()
    [querystring] = query.querystrings
    sql, built = querystring.compile_string(engine_type="postgres")
    assert "{" not in sql and "}" not in sql, sql
    # the arguments given must be the select's parameters, in its order: checked once, by
    # number and kind (the keys of ``any_of`` by the kind of one of them)
    given = list(args)
    if any_of and given and given[0]:
        given[0] = given[0][0]
    kinds = [type(a) for a in built], [type(a) for a in given]
    assert kinds[0] == kinds[1], f"parameters {kinds[0]} given as {kinds[1]}: {sql}"
    if any_of:  # the one condition `column = $1` made `column = ANY($1)`: any number of keys
        head, found, tail = sql.rpartition(" = $1")
        assert found, sql
        sql = f"{head} = ANY($1){tail}"
    # a template for a QueryString of its own: one level, next to nothing to make
    sql = re.sub(r"\$\d+", "{}", sql)
    load_json = query.output_delegate._output.load_json
    json_columns = tuple(
        column._meta.name
        for column in query.columns_delegate.selected_columns
        if load_json and isinstance(column, JSON) and not column._meta.call_chain
    )
    return _Compiled(sql, json_columns)


async def fetch_compiled(
    key: Any, build: Callable[[], Select], args: Sequence[Any], *, any_of: bool = False
) -> list[dict[str, Any]] | None:
    """The rows of a hot select on PostgreSQL, its SQL compiled by piccolo once per ``key``
    and run again with ``args`` (which must be the select's parameters, in its order); None
    on SQLite, where the caller runs the select itself.

    ``build`` makes the select (the first time only); its parameters' values do not matter,
    their number and kinds must be those of ``args`` (checked when it is compiled). With
    ``any_of`` its first condition ``column == value`` becomes ``column = ANY($1)`` and
    ``args`` starts with the keys. JSON columns are decoded as the select's ``load_json`` says.
    Piccolo spends about half a millisecond a statement making its SQL; a read of a page
    with its providers and municipalities made three of them a request.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        return None
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(build, args, any_of)
    records = await db.run_querystring(QueryString(compiled.sql, *args))
    if not records:
        return []
    names = list(records[0].keys())
    rows = [dict(zip(names, record.values(), strict=True)) for record in records]
    for name in compiled.json_columns:
        for row in rows:
            if isinstance(row[name], str):
                row[name] = msgspec.json.decode(row[name])  # several times json.loads' speed
    return rows
