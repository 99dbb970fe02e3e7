"""The audit trail: one record per change in the change's transaction, none for a refused
one; append-only; hash-chained per organisation, with tampering found; read by registry
admins and by the parties of an object; no personal data in it."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.sqlite import SQLiteEngine
from strawberry.relay import GlobalID

from marketplace.core import audit
from marketplace.core.clock import today
from marketplace.core.db import engine
from marketplace.core.identity import Role
from marketplace.core.tables import AuditChain, AuditRecord
from tests.conftest import GraphQL, clear_audit_trail
from tests.marketplace.contracts.world import CPR, Market, build_market
from tests.schema.test_contracts_graphql import ACCEPT, CREATE, NOTICE, PURCHASER, _offer_gid

PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
ADMIN = ("1084", Role.REGISTRY_ADMIN)
ROOT = Path(__file__).resolve().parents[2]

TRAIL = """
query ($id: ID!) {
  auditTrail(objectId: $id) {
    totalCount
    edges { node { organisation sequence subject role operation objectType objectId
                   beforeDigest afterDigest previousHash hash } }
  }
}
"""
RECORDS = """
query ($org: String) {
  auditRecords(organisation: $org, first: 50) { totalCount edges { node { operation sequence } } }
}
"""


async def _flow(gql: GraphQL, market: Market) -> tuple[str, str]:
    start = today() + datetime.timedelta(days=3)
    created = await gql(
        CREATE,
        {
            "input": {
                "offerId": _offer_gid(market),
                "citizenRef": "SAG-2026-0042",
                "cpr": CPR,
                "desiredStart": start.isoformat(),
                "priceLevel": "Niveau 2",
                "urgency": "PLANNED",
            }
        },
        as_=PURCHASER,
    )
    request = created["data"]["placementRequestCreate"]["placementRequest"]["id"]
    accepted = await gql(ACCEPT, {"input": {"id": request}}, as_=PROVIDER)
    contract = accepted["data"]["placementRequestAccept"]["contract"]["id"]
    notice = await gql(NOTICE, {"input": {"id": contract, "reason": "Flytter"}}, as_=PURCHASER)
    assert notice["data"]["contractGiveNotice"]["errors"] == []
    return request, contract


@pytest.fixture
async def market() -> Market:
    built = await build_market()
    await clear_audit_trail()  # the trail of what the tests do, not of building their world
    return built


async def test_every_change_leaves_one_record_in_the_callers_chain(
    gql: GraphQL, market: Market
) -> None:
    before = await AuditRecord.count().run()
    request, contract = await _flow(gql, market)
    records = await AuditRecord.select().order_by(AuditRecord.at).run()
    assert len(records) - before == 3
    made = [(r["org"], r["seq"], r["operation"], r["object_type"]) for r in records[-3:]]
    assert made[0][2:] == ("placementRequestCreate", "PlacementRequest")
    assert made[1][0] == "43389424" and made[1][2:] == ("placementRequestAccept", "Contract")
    assert made[2][2:] == ("contractGiveNotice", "Contract")
    create, accept, notice = records[-3:]
    assert create["object_id"] == GlobalID.from_id(request).node_id
    assert accept["object_id"] == notice["object_id"] == GlobalID.from_id(contract).node_id
    assert accept["before_digest"]  # the request, pending, before it was accepted
    assert create["before_digest"] is None and create["after_digest"]
    assert notice["before_digest"] and notice["before_digest"] != notice["after_digest"]
    # the purchaser's chain: create (1) and notice (2), linked
    assert (create["org"], create["seq"], notice["seq"]) == ("851", 1, 2)
    assert notice["prev_hash"] == create["hash"]
    assert await audit.verify() == (3, [])


async def test_a_refused_change_leaves_no_record_and_no_change(
    gql: GraphQL, market: Market
) -> None:
    request, _contract = await _flow(gql, market)
    count = await AuditRecord.count().run()
    again = await gql(ACCEPT, {"input": {"id": request}}, as_=PROVIDER)
    assert again["data"]["placementRequestAccept"]["errors"][0]["code"] == "INVALID_STATE"
    stranger = await gql(ACCEPT, {"input": {"id": request}}, as_=("751", Role.PURCHASER))
    assert stranger["data"]["placementRequestAccept"]["errors"]
    assert await AuditRecord.count().run() == count


async def test_records_refuse_to_be_changed_or_removed(gql: GraphQL, market: Market) -> None:
    await _flow(gql, market)
    with pytest.raises(Exception, match="append-only"):
        await AuditRecord.update({AuditRecord.operation: "nothing"}, force=True).run()
    with pytest.raises(Exception, match="append-only"):
        await AuditRecord.delete(force=True).run()
    assert await AuditRecord.count().run() == 3


async def _tamper(change: Any) -> None:
    """What someone with the database owner's rights could do: lift the guard, change."""
    await audit.unprotect_records()
    try:
        await change
    finally:
        await audit.protect_records()


@pytest.mark.parametrize("how", ["edit", "remove", "remove the last"])
async def test_verify_finds_the_first_broken_link(gql: GraphQL, market: Market, how: str) -> None:
    await _flow(gql, market)
    first = AuditRecord.org == "851"
    if how == "edit":
        await _tamper(
            AuditRecord.update({AuditRecord.subject: "someone else"}).where(
                first & (AuditRecord.seq == 1)
            )
        )
        expected = ("851", 1, "its content does not match its hash")
    elif how == "remove":
        await _tamper(AuditRecord.delete().where(first & (AuditRecord.seq == 1)))
        expected = ("851", 2, "record 1 is missing (found 2 next)")
    else:
        await _tamper(AuditRecord.delete().where(first & (AuditRecord.seq == 2)))
        expected = ("851", 2, "records at the end of the chain are missing")
    _checked, broken = await audit.verify()
    assert [(b.org, b.seq, b.reason) for b in broken] == [expected]


def test_the_verify_command_reports_a_broken_chain_and_fails() -> None:
    """The command on the suite's database, in a process of its own."""
    command = [sys.executable, "-m", "schema.cli", "audit", "verify"]
    env = {**os.environ}
    intact = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "Audit trail intact" in intact.stderr


async def test_the_verify_command_exit_code_on_tampering(gql: GraphQL, market: Market) -> None:
    await _flow(gql, market)
    await _tamper(
        AuditRecord.update({AuditRecord.operation: "offerClose"}).where(
            (AuditRecord.org == "43389424") & (AuditRecord.seq == 1)
        )
    )
    if isinstance(engine(), SQLiteEngine):  # the other process must see the committed change
        await engine().run_ddl("PRAGMA wal_checkpoint")
    done = subprocess.run(
        [sys.executable, "-m", "schema.cli", "audit", "verify"],
        env={**os.environ},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "chain 43389424, record 1" in done.stderr


async def test_the_parties_read_an_objects_trail_and_nobody_else(
    gql: GraphQL, market: Market
) -> None:
    _request, contract = await _flow(gql, market)
    for party in (PURCHASER, PROVIDER, ADMIN):
        seen = (await gql(TRAIL, {"id": contract}, as_=party))["data"]["auditTrail"]
        assert [e["node"]["operation"] for e in seen["edges"]] == [
            "placementRequestAccept",
            "contractGiveNotice",
        ], party
        assert all(e["node"]["objectId"] == contract for e in seen["edges"])
    stranger = await gql(TRAIL, {"id": contract}, as_=("751", Role.PURCHASER))
    assert stranger["data"] is None
    assert stranger["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    listed = await gql(RECORDS, {"org": "851"}, as_=ADMIN)
    assert [e["node"]["sequence"] for e in listed["data"]["auditRecords"]["edges"]] == [1, 2]
    refused = await gql(RECORDS, {"org": "851"}, as_=PURCHASER)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_no_personal_data_in_a_record(gql: GraphQL, market: Market) -> None:
    await _flow(gql, market)
    rows = await AuditRecord.select().run()
    text = repr(rows) + repr(await AuditChain.select().run())
    digits = CPR.replace("-", "")
    assert digits not in text and CPR not in text and digits[:6] not in text
    assert "SAG-2026-0042" not in text  # the case reference enters only through a digest


async def test_a_deleted_chain_head_does_not_hide_the_chain(gql: GraphQL, market: Market) -> None:
    """The head rows are not append-only (every change moves one); deleting one must not take
    its organisation's records out of the walk."""
    await _flow(gql, market)
    await AuditChain.delete().where(AuditChain.org == "851").run()
    checked, broken = await audit.verify()
    assert checked == 3
    assert [(b.org, b.seq, b.reason) for b in broken] == [("851", 3, "the chain's head is missing")]


async def _rewrite_and_recompute(org: str) -> None:
    """The worst a database owner can do: change the first record and recompute every later
    hash and the head, so that the chain is consistent again."""
    rows = await AuditRecord.select().where(AuditRecord.org == org).order_by(AuditRecord.seq).run()
    prev = audit.GENESIS
    changes = []
    for row in rows:
        row["subject"] = "someone else" if row["seq"] == 1 else row["subject"]
        row["prev_hash"] = prev
        row["hash"] = prev = audit.record_hash(row)
        changes.append(row)
    for row in changes:
        await _tamper(
            AuditRecord.update(
                {
                    AuditRecord.subject: row["subject"],
                    AuditRecord.prev_hash: row["prev_hash"],
                    AuditRecord.hash: row["hash"],
                }
            ).where((AuditRecord.org == org) & (AuditRecord.seq == row["seq"]))
        )
    await AuditChain.update({AuditChain.head: prev}).where(AuditChain.org == org).run()


async def test_heads_kept_outside_reveal_a_recomputed_chain(gql: GraphQL, market: Market) -> None:
    await _flow(gql, market)
    kept = await audit.heads()
    assert kept["851"][0] == 2 and kept["43389424"][0] == 1
    assert await audit.verify(anchors=kept) == (3, [])
    await _rewrite_and_recompute("851")
    assert await audit.verify() == (3, [])  # consistent again: the chain alone cannot tell
    _checked, broken = await audit.verify(anchors=kept)
    assert [(b.org, b.seq, b.reason) for b in broken] == [
        ("851", 2, "it is not the record whose hash was recorded outside the database")
    ]
    # an anchor beyond the end: records that were there are gone
    _checked, broken = await audit.verify(anchors={"851": (5, "0" * 64)})
    assert [(b.org, b.seq) for b in broken] == [("851", 3)]
    assert "records up to 5" in broken[0].reason


async def test_the_heads_command_and_verify_against_them(
    gql: GraphQL, market: Market, tmp_path: Path
) -> None:
    await _flow(gql, market)
    saved = tmp_path / "heads.json"
    cli = [sys.executable, "-m", "schema.cli", "audit"]
    run = {"env": {**os.environ}, "cwd": ROOT, "capture_output": True, "text": True}
    if isinstance(engine(), SQLiteEngine):  # the other process must see the committed rows
        await engine().run_ddl("PRAGMA wal_checkpoint")
    made = subprocess.run([*cli, "heads", "--output", str(saved)], check=False, **run)
    assert made.returncode == 0, made.stderr
    assert json.loads(saved.read_text())["851"] == {
        "seq": 2,
        "hash": (await audit.heads())["851"][1],
    }
    await _rewrite_and_recompute("851")
    if isinstance(engine(), SQLiteEngine):
        await engine().run_ddl("PRAGMA wal_checkpoint")
    plain = subprocess.run([*cli, "verify"], check=False, **run)
    assert plain.returncode == 0, plain.stderr
    against = subprocess.run([*cli, "verify", "--against", str(saved)], check=False, **run)
    assert against.returncode == 1
    assert "chain 851, record 2: it is not the record whose hash was recorded" in against.stderr
    saved.write_text("[1, 2]")
    bad = subprocess.run([*cli, "verify", "--against", str(saved)], check=False, **run)
    assert bad.returncode == 2 and "not a file of heads" in bad.stderr


async def test_an_idempotent_retry_adds_no_record(gql: GraphQL, market: Market) -> None:
    """A retry answers the first call's result and changes nothing, so nothing is recorded."""
    payload = {
        "offerId": _offer_gid(market),
        "citizenRef": "SAG-2026-0042",
        "cpr": CPR,
        "desiredStart": (today() + datetime.timedelta(days=3)).isoformat(),
        "priceLevel": "Niveau 2",
        "urgency": "PLANNED",
        "idempotencyKey": "case-0042-request",
    }
    first = await gql(CREATE, {"input": payload}, as_=PURCHASER)
    request = first["data"]["placementRequestCreate"]["placementRequest"]["id"]
    accept = {"input": {"id": request, "idempotencyKey": "accept-0042"}}
    assert (await gql(ACCEPT, accept, as_=PROVIDER))["data"]["placementRequestAccept"]["contract"]
    count = await AuditRecord.count().run()
    again = await gql(CREATE, {"input": payload}, as_=PURCHASER)
    assert again["data"]["placementRequestCreate"]["placementRequest"]["id"] == request
    accepted = await gql(ACCEPT, accept, as_=PROVIDER)
    assert accepted["data"]["placementRequestAccept"]["errors"] == []
    assert await AuditRecord.count().run() == count == 2
    assert await audit.verify() == (2, [])
