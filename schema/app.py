"""create_app(): the Litestar application (GraphQL at /graphql, REST probes, OpenAPI)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any, ClassVar

from litestar import Controller, Litestar, Response
from litestar.background_tasks import BackgroundTasks
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Dependencies
from strawberry.litestar import make_graphql_controller

from marketplace.core import calendar
from marketplace.core.clock import today
from marketplace.core.db import ensure_schema_current, prepare_engine, release_engine
from marketplace.core.errors import DomainError
from marketplace.core.settings import Settings, get_settings, production_problems
from schema.auth import BearerAuthMiddleware, TokenValidator, load_known_organisations
from schema.composition import compose
from schema.context import Context, http_context
from schema.failures import last_resort, server_error
from schema.graphql import build_schema
from schema.graphql_http import GraphQLHttp
from schema.keys import signing_keys
from schema.metrics import metrics, observe
from schema.oauth import token_endpoint
from schema.oidc import OidcVerifier
from schema.protection import RateLimit, add_security_headers
from schema.requests import RequestObserver
from schema.rest.documented import document_truthfully
from schema.rest.exchange import excel_routes, hsds_routes, invoice_routes, ocds_routes
from schema.rest.exports import (
    billing_csv,
    error_response,
    gaps_csv,
    gaps_json,
    invoices_csv,
    refunds_csv,
)
from schema.rest.health import health, jwks, ready
from schema.worker import run_worker
from web.app import web_enabled, web_parts
from web.oidc import OidcSignIn
from web.render import template_config

VERSION = "0.1.0"
logger = logging.getLogger("socialmarked.calendar")


async def run_calendar(interval_seconds: int) -> None:
    """The calendar's work inside the server: at start-up and every interval. A failed
    tick is logged and tried again at the next one; running it again changes nothing."""
    while True:
        try:
            done = await calendar.tick(today())
            if any(done.values()):
                logger.info("Calendar: %s", ", ".join(f"{k} {v}" for k, v in done.items()))
        except Exception:
            logger.exception("The calendar's work failed; it is tried again next interval.")
        await asyncio.sleep(interval_seconds)


MAX_REQUEST_BYTES = 1_000_000


def _rest_routes() -> list[Any]:
    """The REST routes: health and readiness, keys, metrics, the token endpoint, the exports
    and the open-exchange formats (all in the OpenAPI document)."""
    return [
        health,
        ready,
        jwks,
        metrics,
        token_endpoint,
        billing_csv,
        refunds_csv,
        invoices_csv,
        gaps_csv,
        gaps_json,
        *hsds_routes.ROUTES,
        invoice_routes.invoice_ubl,
        invoice_routes.credit_note_ubl,
        *excel_routes.ROUTES,
        *ocds_routes.ROUTES,
    ]


def create_app(settings: Settings | None = None, *, check_schema: bool = True) -> Litestar:
    settings = settings or get_settings()
    compose()
    web = web_parts(settings) if web_enabled(settings) else None
    app = Litestar(
        route_handlers=[
            _graphql_controller(settings),
            *_rest_routes(),
            *(web.routers if web else []),
        ],
        middleware=[
            DefineMiddleware(
                BearerAuthMiddleware,
                exclude=["^/schema", "^/oauth/token$", "^/static/", "^/metrics$"],
            ),
            RateLimit(settings.rate_limit_per_minute, exclude_opt_key="web"),
        ],
        template_config=template_config(),
        cors_config=_cors(settings),
        lifespan=[
            partial(_database, check_schema=check_schema),
            partial(_calendar_task, settings=settings),
            partial(_delivery_task, settings=settings),
        ],
        # A domain rule a REST route did not expect to meet is still the client's mistake.
        exception_handlers={
            DomainError: lambda _request, error: error_response(error),
            # anything else: 503 when the database is away, else 500; logged once
            HTTP_500_INTERNAL_SERVER_ERROR: server_error,
        },
        before_send=[add_security_headers(settings)],
        openapi_config=OpenAPIConfig(
            title="Socialmarked",
            version=VERSION,
            description=(
                "REST routes of Socialmarked. The market itself is served as GraphQL at "
                "/graphql (SDL in schema/schema.graphql)."
            ),
        ),
        debug=False,
        # Logging is set up by whoever runs the app (`socialmarked serve`: JSON lines, see
        # schema.requests), not by Litestar on creating it.
        logging_config=None,
    )
    document_truthfully(app)
    _set_up(app, settings)
    return app


def production_app() -> Litestar:
    """The app as ``socialmarked serve`` starts it (uvicorn's factory, in every worker): in
    production, only with settings that are whole; each missing one is named."""
    settings = get_settings()
    problems = production_problems(settings)
    if problems:
        raise RuntimeError("Not starting: " + " ".join(problems))
    return create_app(settings)


def _set_up(app: Litestar, settings: Settings) -> None:
    """The app's keys, token checks and sign-in, and the request observer around it all."""
    app.state.signing_keys = signing_keys(settings)
    app.state.token_validator = TokenValidator(settings, app.state.signing_keys)
    app.state.oidc = (
        OidcVerifier(settings) if settings.oidc_issuer and settings.oidc_audience else None
    )
    app.state.web_oidc = OidcSignIn(settings) if settings.web_sign_in_with_oidc else None
    app.state.settings = settings
    # Outside Litestar's routing, so that every answer (a 404 too) has a request id.
    app.asgi_handler = RequestObserver(app.asgi_handler, observe=observe, last_resort=last_resort)


@asynccontextmanager
async def _database(app: Litestar, *, check_schema: bool) -> AsyncIterator[None]:
    """The database engine for the app's life; with ``check_schema``, the schema must be
    migrated to the code's version."""
    await prepare_engine()
    try:
        if check_schema:
            await ensure_schema_current()
        with suppress(Exception):  # a database away at start: read on the first token
            await load_known_organisations()
        yield
    finally:
        await release_engine()


@asynccontextmanager
async def _calendar_task(app: Litestar, *, settings: Settings) -> AsyncIterator[None]:
    """The calendar's work in the background, unless its interval is 0."""
    if settings.tick_interval_seconds <= 0:
        yield
        return
    task = asyncio.create_task(run_calendar(settings.tick_interval_seconds))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def _empty_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


def _no_root_value(context: Context) -> None:
    """No root value; it depends on the context only so that Litestar resolves the
    handler's dependencies one after the other (dependencies of one level are resolved in
    a task group, a task each, which cost more than the dependencies themselves)."""


def delivers_in_server(settings: Settings) -> bool:
    """The server sends the outbox's deliveries itself: as the settings say, else on SQLite
    (on PostgreSQL ``socialmarked worker`` does)."""
    if settings.delivery_in_server is not None:
        return settings.delivery_in_server
    return settings.database_url.startswith("sqlite")


@asynccontextmanager
async def _delivery_task(app: Litestar, *, settings: Settings) -> AsyncIterator[None]:
    """The deliveries in the background, where the server sends them (the calendar's work
    has its own task)."""
    if not delivers_in_server(settings):
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, tick=False, stop=stop))
    try:
        yield
    finally:
        stop.set()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def _graphql_controller(settings: Settings) -> type[Controller]:
    """GraphQL at /graphql: POST only, a body of at most MAX_REQUEST_BYTES, and an operation
    cut off after the settings' request timeout."""
    graphql = make_graphql_controller(
        build_schema(settings),
        path="/graphql",
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=False,  # no GET: a link or an <img> cannot run an operation
    )

    class GraphQLController(GraphQLHttp, graphql):  # type: ignore[valid-type,misc]
        include_in_schema = False
        request_max_body_size = MAX_REQUEST_BYTES
        time_limit = settings.request_timeout_seconds
        # strawberry makes the (empty) response in a worker thread, and the context and
        # the root value in tasks of their own; made here on the loop, one after the other,
        # they spare every operation a hop to the thread pool and three tasks
        dependencies: ClassVar[Dependencies] = {
            **graphql.dependencies,
            "response": Provide(_empty_response, sync_to_thread=False),
            "context": Provide(http_context, sync_to_thread=False),
            "root_value": Provide(_no_root_value, sync_to_thread=False),
        }

    return GraphQLController


def _cors(settings: Settings) -> CORSConfig | None:
    """Cross-origin calls from the origins the settings name, if any."""
    if not settings.cors_allow_origins:
        return None
    return CORSConfig(
        allow_origins=settings.cors_allow_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )
