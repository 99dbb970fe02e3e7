"""Who agreed the terms made before consents were recorded: the buyer by its request, the
provider by signing, and for a term from a change the party that proposed it and the one that
accepted it. A special arrangement priced by the provider alone keeps no buyer's consent: none
was given."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from marketplace.core.db import engine

ID = "2026-12-01T05:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Consents of existing contract terms"

_TERMS = """
SELECT t.id, t.contract, t.valid_from, t.special_arrangement, c.start_date, c.buyer,
       c.provider_org, r.created_by, r.created_at
FROM contract_term t JOIN contract c ON c.id = t.contract
JOIN placement_request r ON r.id = c.request
WHERE t.buyer_agreed_at IS NULL AND t.provider_agreed_at IS NULL
"""
_SIGNED = "SELECT contract, actor, actor_org, at FROM placement_event WHERE kind = 'signed'"
_CHANGES = """
SELECT contract, effective_from, proposed_by_org, proposed_by, proposed_at,
       responded_by_org, responded_by, responded_at
FROM contract_change WHERE status = 'accepted' AND effective_from IS NOT NULL
"""
_SET = (
    "UPDATE contract_term SET buyer_agreed_org = {}, buyer_agreed_by = {}, buyer_agreed_at = {}, "
    "provider_agreed_org = {}, provider_agreed_by = {}, provider_agreed_at = {} WHERE id = {}"
)


async def _rows(sql: str) -> list[dict]:
    return await engine().run_querystring(QueryString(sql))


def _first_term(term: dict, signed: dict) -> tuple:
    buyer = (term["buyer"], term["created_by"], term["created_at"])
    if term["special_arrangement"]:
        buyer = (None, None, None)  # priced by the provider alone
    event = signed.get(str(term["contract"]))
    provider = (
        (term["provider_org"], event["actor"], event["at"]) if event else (None, None, None)
    )
    return buyer + provider


def _changed_term(term: dict, change: dict) -> tuple:
    proposer = (change["proposed_by_org"], change["proposed_by"], change["proposed_at"])
    responder = (change["responded_by_org"], change["responded_by"], change["responded_at"])
    if change["proposed_by_org"] == term["buyer"]:
        return proposer + responder
    return responder + proposer


async def fill() -> None:
    signed = {str(row["contract"]): row for row in await _rows(_SIGNED)}
    changes = {
        (str(row["contract"]), str(row["effective_from"])): row for row in await _rows(_CHANGES)
    }
    for term in await _rows(_TERMS):
        change = changes.get((str(term["contract"]), str(term["valid_from"])))
        if change is not None:
            values = _changed_term(term, change)
        elif str(term["valid_from"]) == str(term["start_date"]):
            values = _first_term(term, signed)
        else:
            continue
        await engine().run_querystring(QueryString(_SET, *values, term["id"]))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)
    manager.add_raw(fill)
    return manager
