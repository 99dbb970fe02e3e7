"""The `socialmarked` command end to end, in subprocesses, on a database of its own."""

from __future__ import annotations

import asyncio
import datetime
import getpass
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace.contracts.tables import PlacementRequest
from marketplace.core import audit
from marketplace.core.tables import AuditRecord
from tests.conftest import _PG_ADMIN_URL, BACKEND, DB_PREFIX, _pg_admin, _with_database
from tests.marketplace.contracts.world import build_market, request_place

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = len(list((ROOT / "migrations").glob("*/[!_]*.py")))


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a subprocess pointed at a new, empty database."""
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var")}
    if BACKEND == "postgres":
        name = f"{DB_PREFIX}cli_{uuid.uuid4().hex[:10]}"  # the run's prefix: see tests/conftest.py
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        env["DATABASE_URL"] = _with_database(_PG_ADMIN_URL, name)
        yield env
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        yield env


def socialmarked(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "schema.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


READY_PROBE = """
from litestar.testing import TestClient
from schema.app import create_app
with TestClient(app=create_app(check_schema=False)) as client:
    response = client.get("/ready")
    print(response.status_code, response.json()["migrations_pending"])
"""


def test_from_an_empty_database_to_a_seeded_registry(fresh_database: dict[str, str]) -> None:
    env = fresh_database

    refused = socialmarked(env, "serve", "--port", "0")
    assert refused.returncode == 1
    assert "socialmarked migrate" in refused.stderr

    probe = subprocess.run(
        [sys.executable, "-c", READY_PROBE], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert probe.stdout.split() == ["503", str(MIGRATIONS)], probe.stderr

    first = socialmarked(env, "migrate")
    assert first.returncode == 0, first.stderr
    assert f"{MIGRATIONS} migration(s) applied" in first.stderr
    again = socialmarked(env, "migrate")
    assert "0 migration(s) applied" in again.stderr

    seeded = socialmarked(env, "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "municipalities changed: 98" in seeded.stderr
    assert "providers added: 15" in seeded.stderr
    assert "offers added: 440" in seeded.stderr
    assert "demo invoices issued for last month: 2" in seeded.stderr
    reindexed = socialmarked(env, "reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    # the 440 demo offers and the demo invoices' hourly support offer with tiers
    assert "rebuilt for 441 offer(s)" in reindexed.stderr
    reseeded = socialmarked(env, "seed")
    assert "municipalities changed: 0" in reseeded.stderr
    assert "providers added: 0" in reseeded.stderr
    assert "offers added: 0" in reseeded.stderr
    assert "demo invoices issued for last month: 0" in reseeded.stderr


def test_token_command_signs_a_token_and_refuses_bad_organisations(
    fresh_database: dict[str, str],
) -> None:
    good = socialmarked(fresh_database, "token", "--org", "851", "--role", "purchaser")
    assert good.returncode == 0
    assert good.stdout.count(".") == 2  # header.claims.signature
    key = Path(fresh_database["VAR_DIR"]) / "dev-signing-key.json"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"

    bad = socialmarked(fresh_database, "token", "--org", "1081", "--role", "purchaser")
    assert bad.returncode == 2
    assert "municipality" in bad.stderr


async def test_an_operators_change_is_audited_under_their_name(database: None) -> None:
    """A change made on the command line is in the audit trail like any other: the operator
    (cli:<login>) in the system's chain, the client (never its secret) as the object."""
    env = dict(os.environ)
    made = socialmarked(
        env, "client", "create", "--org", "851", "--role", "purchaser", "--name", "Sagssystem"
    )
    assert made.returncode == 0, made.stderr
    client_id = made.stdout.split("client_id=")[1].split()[0]
    secret = made.stdout.split("client_secret=")[1].split()[0]
    revoked = socialmarked(env, "client", "revoke", client_id)
    assert revoked.returncode == 0, revoked.stderr

    records = await AuditRecord.select().order_by(AuditRecord.seq).run()
    assert [(r["org"], r["operation"], r["object_type"], r["object_id"]) for r in records] == [
        ("system", "clientCreate", "OAuthClient", client_id),
        ("system", "clientRevoke", "OAuthClient", client_id),
    ]
    assert {r["subject"] for r in records} == {f"cli:{getpass.getuser()}"}
    assert records[1]["before_digest"] == records[0]["after_digest"]
    assert secret not in str(records)
    assert await audit.verify() == (2, [])


async def test_the_tick_command_does_the_calendars_work(database: None) -> None:
    market = await build_market()
    request = await request_place(market.offer_id)

    ticked = socialmarked(
        dict(os.environ),
        "tick",
        "--day",
        (request.expires_on + datetime.timedelta(days=1)).isoformat(),
    )

    assert ticked.returncode == 0, ticked.stderr
    assert "placement requests expired: 1" in ticked.stderr
    stored = await PlacementRequest.select(PlacementRequest.status).first().run()
    assert stored == {"status": "expired"}
    [record] = await AuditRecord.select().where(AuditRecord.org == "system").run()
    assert (record["subject"], record["operation"]) == ("system", "placementRequestExpire")
