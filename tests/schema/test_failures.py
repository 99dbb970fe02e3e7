"""Answers under failure: a malformed body is the client's 400; a database that is away or a
pool that is exhausted is 503 with Retry-After in the usual error shape; every 5xx is logged
once with the request's id, which every answer carries."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
from litestar import get

from marketplace.core.db import engine
from marketplace.core.identity import Role
from marketplace.core.settings import get_settings
from tests.conftest import BACKEND, serve, token
from tests.schema.test_oauth import CREATE_PROVIDER

UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/test"  # nothing listens on port 1
QUERY = {"query": "query Regions { regions { code } }"}


@contextmanager
def database_away() -> Iterator[None]:
    """The service's database made unreachable for real: PostgreSQL on a port where nothing
    listens (the pool set aside, so every query opens a new connection and is refused),
    SQLite a file in a folder that does not exist (the connections kept open set aside)."""
    db = engine()
    if BACKEND == "postgres":
        pool, config = db.pool, db.config
        db.pool, db.config = None, {**config, "dsn": UNREACHABLE_POSTGRES}
        try:
            yield
        finally:
            db.pool, db.config = pool, config
    else:
        path, idle, keeping = db.connection_kwargs["database"], db.idle, db.keeping
        db.connection_kwargs["database"] = "/nonexistent-folder/socialmarked.sqlite3"
        db.idle, db.keeping = [], False  # the kept connections set aside, as the pool is
        try:
            yield
        finally:
            db.connection_kwargs["database"] = path
            db.idle, db.keeping = idle, keeping


@pytest.fixture
async def unlimited() -> AsyncIterator[httpx.AsyncClient]:
    """The app without the rate limit, whose count is the first thing to touch the database:
    the operations themselves meet it away."""
    async with serve(get_settings().model_copy(update={"rate_limit_per_minute": 0})) as http:
        yield http


@pytest.mark.parametrize("body", [b"null", b"42", b"true", b'"query"', b"[]", b"[1, 2]"])
async def test_a_body_that_is_not_an_object_is_a_400_graphql_error(
    client: httpx.AsyncClient, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "JSON object" in error["message"]
    assert response.json()["data"] is None


async def test_broken_json_is_a_400_graphql_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_every_answer_has_a_request_id_and_a_good_one_is_kept(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.post("/graphql", json=QUERY, headers={"X-Request-ID": "req-12345678"})
    assert kept.headers["x-request-id"] == "req-12345678"
    for bad in ["short", "has space 12345", "x" * 200, "<script>12345"]:
        replaced = await client.get("/health", headers={"X-Request-ID": bad})
        assert replaced.headers["x-request-id"] != bad
        assert len(replaced.headers["x-request-id"]) == 32
    for answer in [
        await client.get("/no-such-route"),
        await client.post("/graphql", json=QUERY, headers={"Authorization": "Bearer nonsense"}),
        await client.get("/exports/billing.csv"),
    ]:
        assert len(answer.headers["x-request-id"]) == 32, answer.status_code
    ids = {(await client.get("/health")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def _failures(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "socialmarked.errors" and getattr(r, "request_id", None) == request_id
    ]


def _assert_unavailable(response: httpx.Response, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("application/json")
    logged = _failures(caplog, response.headers["x-request-id"])
    assert [r.levelno for r in logged] == [logging.WARNING], "logged once"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_graphql_with_the_database_away_is_503_with_retry_after(
    unlimited: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with database_away():
        response = await unlimited.post("/graphql", json=QUERY)
    _assert_unavailable(response, caplog)
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "The service cannot reach its database just now. Try again shortly.",
                "extensions": {"code": "UNAVAILABLE"},
            }
        ],
    }
    again = await unlimited.post("/graphql", json=QUERY)  # back: the service recovers
    assert again.status_code == 200 and "errors" not in again.json()


async def test_a_mutation_with_the_database_away_is_503(
    unlimited: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Authorization": f"Bearer {token('1084', Role.REGISTRY_ADMIN)}"}
    with database_away():
        response = await unlimited.post(
            "/graphql", json={"query": CREATE_PROVIDER}, headers=headers
        )
    _assert_unavailable(response, caplog)


async def test_the_rate_limit_with_the_database_away_is_503(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with database_away():
        response = await client.post("/graphql", json=QUERY)
    _assert_unavailable(response, caplog)
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


async def test_rest_and_readiness_with_the_database_away(
    unlimited: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Authorization": f"Bearer {token('1084', Role.STEERING)}"}
    with database_away():
        export = await unlimited.get("/exports/gaps.json?regionCode=1084", headers=headers)
        ready = await unlimited.get("/ready")
        page = await unlimited.get("/tilbud")
    _assert_unavailable(export, caplog)
    assert export.json() == {
        "code": "UNAVAILABLE",
        "message": "The service cannot reach its database just now. Try again shortly.",
        "field": None,
    }
    assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
    assert page.status_code == 503 and "retry-after" in page.headers
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.skipif(BACKEND != "postgres", reason="a connection pool is PostgreSQL's")
async def test_an_exhausted_pool_is_503(
    unlimited: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    db = engine()
    pool, timeout = db.pool, db.acquire_timeout
    db.acquire_timeout = 0.2
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        response = await unlimited.post("/graphql", json=QUERY)
    finally:
        for connection in held:
            await pool.release(connection)
        db.acquire_timeout = timeout
    _assert_unavailable(response, caplog)


async def test_a_fault_of_the_code_is_500_logged_once_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @get("/fault", sync_to_thread=False)
    def fault() -> None:
        raise RuntimeError("a bug with 010190-1234 in its message")

    from schema.app import create_app

    app = create_app(get_settings(), check_schema=False)
    app.register(fault)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/fault", headers={"X-Request-ID": "fault-000001"})
    assert response.status_code == 500
    assert response.json() == {"code": "INTERNAL", "message": "Unexpected error.", "field": None}
    logged = _failures(caplog, "fault-000001")
    assert [r.levelno for r in logged] == [logging.ERROR]
    assert "RuntimeError" in logged[0].getMessage()
    assert "010190-1234" not in logged[0].getMessage()
