"""The ``socialmarked`` command: serve, migrate, seed, tick, worker, token and the exports."""

from __future__ import annotations

import asyncio
import datetime
import getpass
import json
import sys
from collections.abc import Awaitable
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.progress import Progress

from marketplace.core.clock import today
from marketplace.core.db import (
    SchemaBehindError,
    analyze,
    ensure_schema_current,
    migrate,
    prepare_engine,
    release_engine,
)
from marketplace.core.identity import Principal, Role, operator
from marketplace.core.settings import get_settings, production_problems
from schema.composition import compose

T = TypeVar("T")
console = Console(stderr=True)


def _run(work: Awaitable[T]) -> T:
    async def wrapped() -> T:
        compose()
        await prepare_engine()
        try:
            return await work
        finally:
            await release_engine()

    return asyncio.run(wrapped())


@click.group(help="Socialmarked: the market for specialised social places.")
def main() -> None:
    pass


@main.command(help="Apply pending database migrations (safe to run again).")
@click.option("--verbose", is_flag=True, help="Show each migration as it runs.")
def migrate_command(verbose: bool) -> None:
    log = StringIO()
    with redirect_stdout(sys.stdout if verbose else log):
        applied = _run(migrate())
    console.print(f"[green]Database is current[/]: {applied} migration(s) applied now.")


main.add_command(migrate_command, name="migrate")


WORKER_HEALTHCHECK_SECONDS = 60


@main.command(help="Serve the API (refuses to start on a database whose migrations are behind).")
@click.option("--host", default=None, help="Interface to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 8000).")
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    help="Worker processes, each with its own connection pool on PostgreSQL (on SQLite they "
    "take turns to write; see SQLITE_WRITE_QUEUE).",
)
@click.option(
    "--graceful-timeout",
    default=30,
    type=click.IntRange(1, 600),
    show_default=True,
    help="On SIGTERM, seconds the requests under way get to finish.",
)
def serve(host: str | None, port: int | None, workers: int, graceful_timeout: int) -> None:
    import uvicorn

    from schema.requests import logging_config
    from schema.serving import NoDelayHTTP

    settings = get_settings()
    problems = production_problems(settings)
    if problems:
        for problem in problems:
            console.print(f"[red]Not starting.[/] {problem}")
        sys.exit(1)
    try:
        _run(ensure_schema_current())
    except SchemaBehindError as error:
        console.print(f"[red]Not starting.[/] {error}")
        sys.exit(1)
    # Behind a reverse proxy: the proxy's address is trusted for X-Forwarded-For and
    # X-Forwarded-Proto through FORWARDED_ALLOW_IPS, which uvicorn reads itself.
    uvicorn.run(
        "schema.app:production_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        timeout_graceful_shutdown=graceful_timeout,
        # uvicorn restarts a worker that misses its supervisor's ping for this long; a worker
        # still importing the app on a busy machine is not a dead one
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_config=logging_config(),
        access_log=False,
        server_header=False,
        http=NoDelayHTTP,
    )


@main.command(help="Load the registry (regions, municipalities) and the demo providers.")
@click.option(
    "--registry-only",
    is_flag=True,
    help="Only the official reference data: regions, municipalities and the taxonomies.",
)
def seed(registry_only: bool) -> None:
    async def work() -> None:
        await ensure_schema_current()
        with Progress(console=console, transient=False) as progress:
            await _seed_registry(progress)
            if registry_only:
                return
            await _seed_catalogue(progress)
            await _seed_market(progress)
            await analyze()

    try:
        _run(work())
    except SchemaBehindError as error:
        console.print(f"[red]Not seeding.[/] {error}")
        sys.exit(1)


async def _seed_registry(progress: Progress) -> None:
    """The official regions, municipalities and taxonomies."""
    from marketplace.offers.service import load_taxonomies
    from marketplace.organisations.reference import load_reference_data

    task = progress.add_task("Regions, municipalities and taxonomies", total=2)
    regions, municipalities = await load_reference_data()
    progress.update(task, advance=1)
    groups, types = await load_taxonomies()
    progress.update(task, advance=1)
    console.print(f"  regions changed: {regions}, municipalities changed: {municipalities}")
    console.print(f"  target groups changed: {groups}, service types changed: {types}")


async def _seed_catalogue(progress: Progress) -> None:
    """The demo providers, their offers and the regional agreements."""
    from demo.agreements import planned_agreement_count, seed_demo_agreements
    from demo.offers import planned_offer_count, seed_demo_offers
    from demo.providers import DEMO_PROVIDERS, seed_demo_providers

    task = progress.add_task("Demo providers", total=len(DEMO_PROVIDERS))
    added = await seed_demo_providers(lambda _name: progress.update(task, advance=1))
    console.print(f"  providers added: {added} (of {len(DEMO_PROVIDERS)} demo providers)")
    task = progress.add_task("Demo offers", total=planned_offer_count())
    offers_added = await seed_demo_offers(lambda: progress.update(task, advance=1))
    console.print(f"  offers added: {offers_added} (of {planned_offer_count()} demo offers)")
    task = progress.add_task("Demo agreements", total=planned_agreement_count())
    agreements_added = await seed_demo_agreements(lambda _name: progress.update(task, advance=1))
    console.print(
        f"  agreements added: {agreements_added} (of {planned_agreement_count()} demo agreements)"
    )


async def _seed_market(progress: Progress) -> None:
    """The announcements and reports, and the market's activity: contracts, forecasts,
    searches, requests in each state of agreeing, refund claims, a need, a case load with
    notices and follow-ups, and last month's delivered hours, invoices and a credit note."""
    from demo.activity import seed_demo_activity
    from demo.announcements import seed_demo_announcements
    from demo.invoices import seed_demo_invoices
    from demo.needs import seed_demo_needs
    from demo.negotiations import seed_demo_negotiations
    from demo.refunds import seed_demo_refunds
    from demo.running import seed_demo_running

    task = progress.add_task("Demo announcements and reports", total=1)
    announced = await seed_demo_announcements()
    progress.update(task, advance=1)
    console.print(f"  announcements and reports added: {announced}")
    task = progress.add_task("Demo contracts, forecasts and searches", total=None)
    contracts = await seed_demo_activity(lambda: progress.update(task, advance=1))
    progress.update(task, total=1, completed=1)
    console.print(f"  demo contracts added: {contracts}")
    console.print(f"  demo contracts with refund claims added: {await seed_demo_refunds()}")
    console.print(f"  demo needs added: {await seed_demo_needs()}")
    console.print(
        f"  demo case load with notices and follow-ups added: {await seed_demo_running()}"
    )
    # last: Vejle's frame holds its later requests for an approver
    console.print(
        f"  demo proposals, approvals and acute requests added: {await seed_demo_negotiations()}"
    )
    console.print(f"  demo invoices issued for last month: {await seed_demo_invoices()}")


@main.command(help="Rebuild the search index of every offer (after a change to the stemming).")
def reindex() -> None:
    from marketplace.search.index import reindex_all

    async def work() -> int:
        await ensure_schema_current()
        return await reindex_all(today())

    try:
        count = _run(work())
    except SchemaBehindError as error:
        console.print(f"[red]Not reindexing.[/] {error}")
        sys.exit(1)
    console.print(f"Search index rebuilt for {count} offer(s).")


@main.command(help="Do the calendar's work for a day: expire requests, end contracts, ...")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day (YYYY-MM-DD; default today, UTC).",
)
def tick(day: datetime.datetime | None) -> None:
    from marketplace.core import calendar

    async def work() -> dict[str, int]:
        await ensure_schema_current()
        return await calendar.tick(day.date() if day else today())

    try:
        done = _run(work())
    except SchemaBehindError as error:
        console.print(f"[red]Not ticking.[/] {error}")
        sys.exit(1)
    for step, count in done.items():
        console.print(f"  {step}: {count}")


@main.command(
    help="Run the worker: the calendar's work every TICK_INTERVAL_SECONDS and the webhook "
    "and e-mail deliveries from the outbox (on PostgreSQL through procrastinate, several at "
    "once on several machines if wanted)."
)
@click.option("--no-tick", is_flag=True, help="Only deliver; leave the calendar to others.")
def worker(no_tick: bool) -> None:
    import signal

    from marketplace.core.jobs import uses_job_engine
    from schema.worker import run_job_worker, run_worker

    settings = get_settings()

    async def work() -> None:
        await ensure_schema_current()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print("[green]Worker running[/] (Ctrl-C stops it).")
        run = run_job_worker if uses_job_engine() else run_worker
        await run(settings, tick=not no_tick, stop=stop)

    try:
        _run(work())
    except SchemaBehindError as error:
        console.print(f"[red]Not starting.[/] {error}")
        sys.exit(1)


def _operator() -> Principal:
    """Whoever runs the command, as the audit trail names them."""
    return operator(getpass.getuser())


@main.command(
    name="party-ids",
    help="Set an organisation's e-invoicing identifiers: CVR and EAN/GLN (empty clears).",
)
@click.option("--org", "org_code", required=True, help="Municipality code, region code or CVR.")
@click.option("--cvr", default=None, help="The legal entity's CVR number (8 digits).")
@click.option("--gln", default=None, help="The EAN/GLN location number (13 digits).")
def party_ids(org_code: str, cvr: str | None, gln: str | None) -> None:
    from marketplace.core.errors import DomainError
    from marketplace.organisations.identifiers import set_party_identifiers

    try:
        made = _run(set_party_identifiers(_operator(), org_code, cvr=cvr, gln=gln))
    except DomainError as error:
        console.print(f"[red]Not set.[/] {error.message}")
        sys.exit(2)
    click.echo(f"{made.org_code}: cvr={made.cvr or '-'} gln={made.gln or '-'}")


@main.command(
    name="ocds", help="Export a region's agreements or contracts as an OCDS release package."
)
@click.option("--region", "region_code", required=True, help="Region code (1081-1085).")
@click.option(
    "--what",
    type=click.Choice(["agreements", "contracts"]),
    default="agreements",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def ocds_export(region_code: str, what: str, output: Path | None) -> None:
    from marketplace.core.errors import DomainError
    from schema.rest.exchange import ocds_routes

    make = ocds_routes.agreements_package if what == "agreements" else ocds_routes.contracts_package
    try:
        uri = f"urn:socialmarked:ocds:{what}:{region_code}"
        body = _run(make(_operator(), region_code, None, uri))
    except DomainError as error:
        console.print(f"[red]Not exported.[/] {error.message}")
        sys.exit(2)
    _write(json.dumps(body, ensure_ascii=False, indent=2) + "\n", output)


@main.group(help="Integrations' OAuth clients (client-credentials grant at /oauth/token).")
def client() -> None:
    pass


@client.command(name="create", help="Register a client; prints its id and secret (shown once).")
@click.option("--org", "org_code", required=True, help="Municipality code, region code or CVR.")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The client's role."
)
@click.option("--scopes", default="read", show_default=True, help="read, or read,write.")
@click.option("--name", default="", help="What the client is, e.g. the case system's name.")
def client_create(org_code: str, role: str, scopes: str, name: str) -> None:
    from marketplace.core.clients import create_client
    from marketplace.core.errors import DomainError

    try:
        made, secret = _run(create_client(org_code, Role(role), scopes, name, actor=_operator()))
    except DomainError as error:
        console.print(f"[red]Not created.[/] {error.message}")
        sys.exit(2)
    console.print(
        f"Client {made.name!r}: {made.role.value} of {made.org}, scopes {' '.join(made.scopes)}."
    )
    console.print("The secret is shown this once; only its hash is kept.")
    click.echo(f"client_id={made.client_id}")
    click.echo(f"client_secret={secret}")


@client.command(name="revoke", help="Revoke a client: its tokens stop working.")
@click.argument("client_id")
def client_revoke(client_id: str) -> None:
    from marketplace.core.clients import revoke_client

    if not _run(revoke_client(client_id, actor=_operator())):
        console.print(f"[red]No client {client_id!r}.[/]")
        sys.exit(1)
    console.print(f"Client {client_id} revoked.")


@client.command(name="list", help="The registered clients.")
def client_list() -> None:
    from marketplace.core.clients import list_clients

    for found in _run(list_clients()):
        state = "revoked" if found.revoked else "active"
        click.echo(
            f"{found.client_id}  {found.role.value:15} {found.org:9} "
            f"{' '.join(found.scopes):11} {state:8} {found.name}"
        )


@main.group(help="The audit trail.")
def audit() -> None:
    pass


@audit.command(help="Walk the hash chains of the audit trail; exit 1 at a broken link.")
@click.option("--org", "org_code", default=None, help="Only this organisation's chain.")
@click.option(
    "--against",
    "anchors_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Heads saved earlier by 'audit heads': the records they name must be unchanged.",
)
def verify(org_code: str | None, anchors_file: Path | None) -> None:
    from marketplace.core import audit as trail

    anchors = _read_heads(anchors_file) if anchors_file else None
    checked, broken = _run(trail.verify(org_code, anchors))
    for link in broken:
        console.print(f"[red]Broken[/]: chain {link.org}, record {link.seq}: {link.reason}.")
    if broken:
        sys.exit(1)
    console.print(f"[green]Audit trail intact[/]: {checked} record(s) checked.")


@audit.command(
    help="Print each organisation's chain head as JSON; keep a copy outside the database and "
    "check it later with 'audit verify --against'."
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def heads(output: Path | None) -> None:
    from marketplace.core import audit as trail

    found = _run(trail.heads())
    document = {org: {"seq": seq, "hash": digest} for org, (seq, digest) in found.items()}
    _write(json.dumps(document, indent=2, sort_keys=True) + "\n", output)


def _read_heads(path: Path) -> dict[str, tuple[int, str]]:
    try:
        document = json.loads(path.read_text("utf-8"))
        return {str(org): (int(head["seq"]), str(head["hash"])) for org, head in document.items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise click.BadParameter(
            "not a file of heads written by 'audit heads'", param_hint="--against"
        ) from None


@main.command(
    name="cpr-report",
    help="Report rows whose free text holds a CPR number: counts and IDs per table and "
    "column, never the text. Exit 1 when there are any.",
)
def cpr_report() -> None:
    from marketplace.core.personal_data import rows_with_cpr

    findings = _run(rows_with_cpr())
    for finding in findings:
        click.echo(f"{finding.table}.{finding.column}: {len(finding.ids)} row(s)")
        for row_id in finding.ids:
            click.echo(f"  {row_id}")
    total = sum(len(f.ids) for f in findings)
    console.print(f"Rows with a CPR number in free text: {total}.")
    if total:
        sys.exit(1)


@main.command(help="Print a development access token, e.g. --org 851 --role purchaser.")
@click.option("--org", "org_code", required=True, help="Municipality code, region code or CVR.")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The caller's role."
)
@click.option("--ttl", default=None, type=int, help="Lifetime in seconds (default 12 hours).")
@click.option(
    "--subject", default=None, help="Who the token is for (default dev:<org>:<role>), e.g. a login."
)
def token(org_code: str, role: str, ttl: int | None, subject: str | None) -> None:
    from schema.auth import mint_token

    if not get_settings().dev_tokens_enabled:
        console.print("[red]No token.[/] Development tokens are off here (production).")
        sys.exit(2)
    try:
        lifetime = datetime.timedelta(seconds=ttl) if ttl else None
        click.echo(mint_token(org_code, Role(role), ttl=lifetime, subject=subject))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--org") from None


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


@main.command(help="Export the GraphQL SDL.")
@click.option("--output", type=click.Path(path_type=Path), default=None)
def schema(output: Path | None) -> None:
    from schema.graphql import build_schema

    _write(str(build_schema(get_settings())) + "\n", output)


@main.command(help="Export the OpenAPI document of the REST routes.")
@click.option("--output", type=click.Path(path_type=Path), default=None)
def openapi(output: Path | None) -> None:
    from schema.app import create_app

    document = create_app(get_settings()).openapi_schema.to_schema()
    _write(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", output)


if __name__ == "__main__":  # pragma: no cover
    main()
