"""Test set-up: a database of its own per test process, on SQLite or PostgreSQL (TEST_DATABASE).

The database is chosen here, before any project module builds the piccolo engine: an SQLite
file in a temporary folder, or a new PostgreSQL database on TEST_POSTGRES_URL's server. Under
pytest-xdist (``-n``) each worker has its own; the controller, which runs no test, has none.
The process that made a database drops it at the end, failed run or not, and the controller
drops whatever a worker that died left behind (every database of a run shares its prefix).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg
import pytest

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
# "gw0", "gw1", ... in an xdist worker; unset in the controller and in a run without -n.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
# One id per run, made by the process pytest was started as (the controller under xdist) and
# inherited by the workers it starts: every database of the run has it in its name.
if WORKER is None:
    os.environ["SOCIALMARKED_TEST_RUN"] = uuid.uuid4().hex[:10]
RUN_ID = os.environ["SOCIALMARKED_TEST_RUN"]
DB_PREFIX = f"socialmarked_test_{RUN_ID}_"
# In memory where there is a tmpfs: the SQLite file's syncs then cost nothing, and the tests
# wait on no disk (they ran about a fifth faster on SQLite).
_SHM = Path("/dev/shm")
_TMP = Path(
    tempfile.mkdtemp(
        prefix=f"socialmarked-test-{WORKER or 'main'}-",
        dir=_SHM if _SHM.is_dir() and os.access(_SHM, os.W_OK) else None,
    )
)
_PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_PG_DB = f"{DB_PREFIX}{WORKER or 'main'}"
_pg_created = False


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(_PG_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _pg_drop_run_databases() -> None:
    """Drop every database of this run that is still there (a worker that died leaves its own)."""
    connection = await asyncpg.connect(_PG_ADMIN_URL)
    try:
        names = await connection.fetch(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", DB_PREFIX
        )
        for row in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await connection.close()


if BACKEND == "postgres":
    os.environ["DATABASE_URL"] = _with_database(_PG_ADMIN_URL, _PG_DB)
elif BACKEND == "sqlite":
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"
else:
    raise RuntimeError(f"TEST_DATABASE must be sqlite or postgres, not {BACKEND!r}")
os.environ["VAR_DIR"] = str(_TMP / "var")
os.environ["ENVIRONMENT"] = "test"
# The tests send deliveries themselves (a test of the server's own sending turns it on).
os.environ["DELIVERY_IN_SERVER"] = "false"
# The suite makes many requests a minute as a few callers; the limit has its own tests.
os.environ["RATE_LIMIT_PER_MINUTE"] = "1000000"
# The calendar's work runs when a test says so (``calendar.tick``), not on a timer.
os.environ["TICK_INTERVAL_SECONDS"] = "0"

import httpx  # noqa: E402

from agreements.announcements.tables import (  # noqa: E402
    CentralAnnouncement,
    RegionalReport,
    ReportOffer,
)
from agreements.economics.tables import OfferSettlement  # noqa: E402
from agreements.frameworks.tables import (  # noqa: E402
    Agreement,
    AgreementDocument,
    AgreementEvent,
    AgreementParty,
    CouncilDecision,
    FocusArea,
    Milestone,
    RuleSet,
    SpecialConditionApproval,
    SpecialConditionChoice,
    UniqueOfferDecision,
)
from agreements.gaps import cache as gap_cache  # noqa: E402
from agreements.gaps.tables import DemandForecast  # noqa: E402
from marketplace.contracts.tables import (  # noqa: E402
    ApprovalFrame,
    Approver,
    Contract,
    ContractChange,
    ContractDate,
    ContractFollowUp,
    ContractNotice,
    ContractTerm,
    CreditNote,
    DeliveredHours,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    NeedAnswer,
    PlacementEvent,
    PlacementNeed,
    PlacementNeedGroup,
    PlacementProposal,
    PlacementRequest,
    RefundClaim,
)
from marketplace.core import audit  # noqa: E402
from marketplace.core.db import engine, migrate  # noqa: E402
from marketplace.core.identity import Role  # noqa: E402
from marketplace.core.settings import Settings, get_settings  # noqa: E402
from marketplace.core.tables import (  # noqa: E402
    AuditChain,
    AuditRecord,
    IdempotencyKey,
    OAuthClient,
    RateLimitWindow,
    WebSession,
)
from marketplace.notifications.tables import (  # noqa: E402
    EmailDelivery,
    EmailRecipient,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from marketplace.offers.service import load_taxonomies  # noqa: E402
from marketplace.offers.tables import (  # noqa: E402
    Offer,
    OfferEvent,
    OfferLegalBasis,
    OfferMethod,
    OfferServiceType,
    OfferTargetGroup,
    PriceAddOn,
    PriceLevel,
    PriceList,
)
from marketplace.organisations.reference import load_reference_data  # noqa: E402
from marketplace.organisations.tables import PartyIdentifiers, Provider  # noqa: E402
from marketplace.search.tables import (  # noqa: E402
    OfferSearch,
    OfferTerm,
    SearchEvent,
    SearchEventGroup,
    SearchTerm,
)
from schema.app import create_app  # noqa: E402
from schema.auth import mint_token  # noqa: E402
from schema.composition import compose  # noqa: E402

# Tables tests write to, children first; emptied after every test.
MUTABLE_TABLES = [
    OfferSettlement,
    EmailDelivery,
    EmailRecipient,
    WebhookDelivery,
    WebhookEndpoint,
    Notification,
    OutboxEvent,
    ReportOffer,
    RegionalReport,
    CentralAnnouncement,
    DemandForecast,
    AgreementEvent,
    UniqueOfferDecision,
    SpecialConditionChoice,
    SpecialConditionApproval,
    RuleSet,
    CouncilDecision,
    Milestone,
    AgreementDocument,
    FocusArea,
    AgreementParty,
    Agreement,
    CreditNote,
    InvoiceLine,
    Invoice,
    InvoiceCounter,
    DeliveredHours,
    RefundClaim,
    PlacementEvent,
    ContractDate,
    ContractFollowUp,
    ContractChange,
    ContractNotice,
    ContractTerm,
    Contract,
    PlacementProposal,
    PlacementRequest,
    ApprovalFrame,
    Approver,
    NeedAnswer,
    PlacementNeedGroup,
    PlacementNeed,
    IdempotencyKey,
    RateLimitWindow,
    WebSession,
    AuditChain,
    OAuthClient,
    SearchEventGroup,
    SearchEvent,
    OfferSearch,
    OfferTerm,
    SearchTerm,
    PriceAddOn,
    PriceLevel,
    PriceList,
    OfferEvent,
    OfferMethod,
    OfferLegalBasis,
    OfferServiceType,
    OfferTargetGroup,
    Offer,
    Provider,
    PartyIdentifiers,
]


def _is_xdist_controller(config: pytest.Config) -> bool:
    """Whether this process hands the tests to xdist workers and runs none itself."""
    return not hasattr(config, "workerinput") and (
        config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None))
    )


def pytest_report_header(config: pytest.Config) -> str:
    where = "a database per worker" if _is_xdist_controller(config) else os.environ["DATABASE_URL"]
    return f"socialmarked database backend: {BACKEND} ({where})"


def pytest_configure(config: pytest.Config) -> None:
    global _pg_created
    if BACKEND == "postgres" and not _is_xdist_controller(config):
        asyncio.run(_pg_admin(f'CREATE DATABASE "{_PG_DB}"'))
        _pg_created = True


@pytest.hookimpl(trylast=True)  # after the session fixtures have closed their connections
def pytest_sessionfinish(session: pytest.Session) -> None:
    if BACKEND == "postgres":
        if WORKER is None:  # the whole run is over: its own database and any left behind
            asyncio.run(_pg_drop_run_databases())
        elif _pg_created:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{_PG_DB}" WITH (FORCE)'))
    shutil.rmtree(_TMP, ignore_errors=True)


# Requests sent by the fuzz tests (tests/fuzz), by kind; xdist workers report theirs here.
_FUZZ_SENT_BY_WORKERS: Counter[str] = Counter()
_FUZZ_SUCCEEDED_BY_WORKERS: Counter[str] = Counter()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {})
    _FUZZ_SENT_BY_WORKERS.update(output.get("fuzz_sent", {}))
    _FUZZ_SUCCEEDED_BY_WORKERS.update(output.get("fuzz_succeeded", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    sent = Counter(_FUZZ_SENT_BY_WORKERS)
    succeeded = Counter(_FUZZ_SUCCEEDED_BY_WORKERS)
    fuzz = sys.modules.get("tests.fuzz.conftest")
    if fuzz is not None:  # the fuzz tests ran in this process
        sent.update(fuzz.SENT)
        succeeded.update(fuzz.SUCCEEDED)
    if sent:
        terminalreporter.write_sep("-", "fuzzing: requests sent")
        for kind, count in sorted(sent.items()):
            done = f" ({succeeded[kind]} with data and no errors)" if kind in succeeded else ""
            terminalreporter.write_line(f"{kind}: {count}{done}")
        terminalreporter.write_line(f"total: {sum(sent.values())}")


@pytest.fixture(scope="session", autouse=True)
async def database() -> None:
    compose()  # as the app wires it
    await migrate()
    await load_reference_data()
    await load_taxonomies()


async def clear_audit_trail() -> None:
    """Forget every audit record. The records refuse DELETE: the suite lifts the guard to
    start afresh (after each test, and where a test's world is built before what it audits)."""
    await audit.unprotect_records()
    await AuditRecord.delete(force=True).run()
    await AuditChain.delete(force=True).run()
    await audit.protect_records()


async def empty_mutable_tables() -> None:
    gap_cache.clear()  # the tables are emptied beside the unit of work
    # One transaction: one connection and one commit instead of one of each per statement
    # (without the app's pool, each statement on PostgreSQL opened a connection of its own).
    async with engine().transaction():
        for table in MUTABLE_TABLES:
            await table.delete(force=True).run()
        await clear_audit_trail()
        if BACKEND == "postgres":  # the job engine's queue (procrastinate's tables)
            await engine().run_ddl("DELETE FROM procrastinate_jobs")


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest, database: None) -> AsyncIterator[None]:
    yield
    if request.node.get_closest_marker("world_per_module") is None:
        await empty_mutable_tables()


@pytest.fixture(scope="module", autouse=True)
async def _clean_tables_after_the_module(
    request: pytest.FixtureRequest, database: None
) -> AsyncIterator[None]:
    """A ``world_per_module`` module's tests read data built once for the module; the tables
    are emptied when the module is done instead of after each test."""
    yield
    if request.node.get_closest_marker("world_per_module") is not None:
        await empty_mutable_tables()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules of ``slow`` tests first, each module's tests in their order: under xdist
    (``--dist loadfile``, a module to one worker) a long module started last would leave
    the other workers idle at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, run with its lifespan on the test's own event loop.

    Litestar's test clients run the app in a thread of its own, where a PostgreSQL pool made
    on the test's loop cannot be used. The lifespan runs in one task from start to end (its
    task group must be left by the task that entered it; fixtures tear down in another).
    """
    app = create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run_lifespan())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({lifespan, ready}, return_when=asyncio.FIRST_COMPLETED)
    if lifespan.done():
        ready.cancel()
        lifespan.result()  # re-raise the start-up failure
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        stop.set()
        await lifespan


@pytest.fixture(scope="session")
async def client(database: None) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(get_settings()) as http:
        yield http


def token(org_code: str, role: Role) -> str:
    return mint_token(org_code, role)


GraphQL = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    """POST a GraphQL document; ``as_=(org, role)`` signs the request as that caller."""

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        as_: tuple[str, Role] | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token(*as_)}"} if as_ else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the test's code runs from here on (but the per-request rate-limit
    counter, which is the HTTP face's and not the operation's work)."""
    seen: list[str] = []
    engine_class = type(engine())
    original = engine_class.run_querystring

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        text = str(querystring)
        if "rate_limit_window" not in text:
            seen.append(text)
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return seen


def writes(statements: list[str]) -> list[str]:
    """The statements that change data."""
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [s for s in statements if s.lstrip().upper().startswith(verbs)]
