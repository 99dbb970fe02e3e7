"""The provider bills the buying (acting) municipality, always (retssikkerhedsloven § 9, stk. 1):
the payer (betalingskommune) a buyer could name goes.

Before the payer columns are dropped (the next migration), what they said is kept:
- every contract whose payer is not its buyer gets a refund claim of its buyer against that
  payer (status claimed, from the contract's first day, no paragraph of § 9 c stated, a note
  saying where it came from), unless it was cancelled (never billed) or already has an open
  claim; each claim is audited as the service's own change;
- every request whose payer is not its buyer and that made no contract gets an entry in its
  history naming the former payer, so the buyer can claim a refund once the contract is made;
- both become the buyer's, and the index on ``contract.payer`` goes (SQLite cannot drop an
  indexed column).

Also the claims' constraints: at most one open (claimed or accepted) claim per contract, a
period that ends on or after it starts, and a claim against another municipality than the
claimant. Running it again changes nothing.
"""

import datetime
import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from marketplace.core import audit
from marketplace.core.db import add_check, drop_check, engine
from marketplace.core.identity import SYSTEM

ID = "2026-12-01T05:49:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Payers become refund claims; the buyer pays"

MOVED_BY = "migration:payer"
NOTE = (
    "Moved from the payer field (betalingskommune) when the provider began to bill the buying "
    "municipality. State the paragraph of retssikkerhedsloven § 9 c in a new claim, or withdraw."
)
CHECKS = [
    (
        "refund_claim",
        "refund_claim_period_in_order",
        "{row}.to_day IS NULL OR {row}.to_day >= {row}.from_day",
    ),
    ("refund_claim", "refund_claim_against_another", "{row}.claimant <> {row}.debtor"),
]


async def add_constraints() -> None:
    await engine().run_ddl(
        'CREATE UNIQUE INDEX IF NOT EXISTS "refund_claim_one_open" ON "refund_claim" ("contract") '
        "WHERE \"status\" IN ('claimed', 'accepted')"
    )
    for table, name, condition in CHECKS:
        if engine().engine_type == "postgres":
            await drop_check(table, name)  # ADD CONSTRAINT has no IF NOT EXISTS
        await add_check(table, name, condition)


async def claims_from_payers() -> int:
    """A refund claim for each running, ended or future contract paid by another municipality
    than its buyer, unless it has an open claim already; returns how many."""
    db = engine()
    rows = await db.run_querystring(
        QueryString(
            'SELECT "id", "buyer", "payer", "start_date" FROM "contract" '
            "WHERE \"payer\" <> \"buyer\" AND \"status\" <> 'cancelled' AND \"id\" NOT IN "
            "(SELECT \"contract\" FROM \"refund_claim\" WHERE \"status\" IN ('claimed', 'accepted')) "
            'ORDER BY "created_at", "id"'
        )
    )
    now = datetime.datetime.now(datetime.UTC)
    for row in rows:
        claim_id = uuid.uuid4()
        await db.run_querystring(
            QueryString(
                'INSERT INTO "refund_claim" ("id", "contract", "claimant", "debtor", "paragraph", '
                '"from_day", "to_day", "note", "status", "created_at", "created_by", '
                '"answer_reason", "withdraw_reason") '
                "VALUES ({}, {}, {}, {}, NULL, {}, NULL, {}, 'claimed', {}, {}, '', '')",
                claim_id,
                row["id"],
                row["buyer"],
                row["payer"],
                row["start_date"],
                NOTE,
                now,
                MOVED_BY,
            )
        )
        state = {
            "id": str(claim_id),
            "contract_id": str(row["id"]),
            "claimant": row["buyer"],
            "debtor": row["payer"],
            "paragraph": None,
            "from_day": str(row["start_date"]),
            "status": "claimed",
        }
        await audit.append(SYSTEM, "refundClaimFromPayer", "RefundClaim", str(claim_id), None, state)
    return len(rows)


async def note_payers_of_requests() -> None:
    """An entry in the history of each request that named another payer and made no contract."""
    db = engine()
    rows = await db.run_querystring(
        QueryString(
            'SELECT "id", "payer" FROM "placement_request" WHERE "payer" <> "buyer" '
            'AND "id" NOT IN (SELECT "request" FROM "contract") ORDER BY "created_at", "id"'
        )
    )
    now = datetime.datetime.now(datetime.UTC)
    for row in rows:
        await db.run_querystring(
            QueryString(
                'INSERT INTO "placement_event" ("id", "request", "contract", "at", "kind", '
                '"from_status", "to_status", "actor", "actor_org", "actor_role", "detail") '
                "VALUES ({}, {}, NULL, {}, 'payer_removed', NULL, NULL, 'system', NULL, "
                "'registry_admin', {})",
                uuid.uuid4(),
                row["id"],
                now,
                f"The request named municipality {row['payer']} as payer; the provider bills "
                "the buying municipality, which may claim a refund once the contract is made.",
            )
        )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def move_payers():
        await add_constraints()
        await claims_from_payers()
        await note_payers_of_requests()
        db = engine()
        await db.run_ddl('UPDATE "contract" SET "payer" = "buyer" WHERE "payer" <> "buyer"')
        await db.run_ddl(
            'UPDATE "placement_request" SET "payer" = "buyer" WHERE "payer" <> "buyer"'
        )
        await db.run_ddl('DROP INDEX IF EXISTS "contract_payer"')

    async def restore_payers():
        """Back to payers (the next migration's backwards has re-added the columns): the
        buyer pays, but where a claim moved here from the payer field is still waiting."""
        db = engine()
        for table in ("contract", "placement_request"):
            await db.run_ddl(
                f'UPDATE "{table}" SET "payer" = "buyer" WHERE "payer" IS NULL OR "payer" = \'\''
            )
        moved = f"\"created_by\" = '{MOVED_BY}' AND \"status\" = 'claimed'"
        await db.run_ddl(
            'UPDATE "contract" SET "payer" = (SELECT "debtor" FROM "refund_claim" '
            f'WHERE "refund_claim"."contract" = "contract"."id" AND {moved}) '
            f'WHERE "id" IN (SELECT "contract" FROM "refund_claim" WHERE {moved})'
        )
        await db.run_ddl(f'DELETE FROM "refund_claim" WHERE {moved}')
        await db.run_ddl('CREATE INDEX IF NOT EXISTS "contract_payer" ON "contract" ("payer")')
        await db.run_ddl('DROP INDEX IF EXISTS "refund_claim_one_open"')
        for table, name, _condition in CHECKS:
            await drop_check(table, name)

    manager.add_raw(move_payers)
    manager.add_raw_backwards(restore_payers)
    return manager

