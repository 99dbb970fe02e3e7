"""The small market the fuzz tests run against, and its IDs by kind (so that generated
requests can name objects that exist and reach past "not found")."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

import httpx
from strawberry.relay import to_base64

from agreements.frameworks import service as agreements
from marketplace.contracts import followups, invoices, refunds
from marketplace.contracts.models import InvoiceIssue, RefundClaimCreate
from marketplace.core import clients
from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.agreements.world import NORD_STEERING, agreement_command
from tests.marketplace.contracts.invoicing import backdate
from tests.marketplace.contracts.world import (
    AALBORG,
    ENGLY_ADMIN,
    build_market,
    contract_for,
    request_place,
)


@dataclass
class FuzzMarket:
    """Global IDs by GraphQL type (``ids["Offer"]``), the UUIDs behind some of them, the
    registry's region and municipality IDs, and an integration's client credentials."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    offer_uuids: list[uuid.UUID] = field(default_factory=list)
    provider_uuids: list[uuid.UUID] = field(default_factory=list)
    invoice_uuid: uuid.UUID | None = None
    client_id: str = ""
    client_secret: str = ""

    @property
    def known_ids(self) -> list[str]:
        """Every global ID, and the bare UUIDs the REST routes take too."""
        return [
            *(i for kind in self.ids.values() for i in kind),
            str(self.invoice_uuid),
            *(str(p) for p in self.provider_uuids[:1]),
        ]


async def build_fuzz_market(http: httpx.AsyncClient) -> FuzzMarket:
    """A private and a municipal provider with a published offer each, Aalborg's contract (with
    a refund claim on Aarhus and a follow-up date), an invoiced contract (an invoice for March
    2026 to Aalborg) and a pending request with the private one, a draft of North Jutland's
    agreement, and an integration client of Aalborg's purchasers."""
    world = await build_market()
    contract = await contract_for(
        world.offer_id, follow_up_on=today() + datetime.timedelta(days=30)
    )
    [date] = (await followups.dates_by_contract(AALBORG, [contract.id]))[contract.id]
    pending = await request_place(
        world.offer_id,
        citizen_ref="SAG-FUZZ-1",
        cpr="150306-4321",
        desired_start=today() + datetime.timedelta(days=3),
        price_level=None,
        add_ons=[],
    )
    claim = await refunds.create_claim(
        AALBORG, contract.id, RefundClaimCreate(debtor_code="751", paragraph="stk2_nr1")
    )
    invoiced = await contract_for(world.offer_id, citizen_ref="SAG-FUZZ-FAKTURA")
    await backdate(invoiced, datetime.date(2026, 3, 10))
    invoice = await invoices.issue_invoice(
        ENGLY_ADMIN,
        world.provider_id,
        InvoiceIssue(municipality_code="851", month=datetime.date(2026, 3, 1)),
    )
    agreement = await agreements.create_agreement(NORD_STEERING, agreement_command())
    client, secret = await clients.create_client("851", Role.PURCHASER, "read")
    registry = (
        await http.post(
            "/graphql",
            json={"query": "{ regions { id } municipalities(first: 3) { edges { node { id } } } }"},
        )
    ).json()["data"]
    offers = [world.offer_id, world.aalborg_offer_id]
    providers = [world.provider_id, world.aalborg_provider_id]
    return FuzzMarket(
        ids={
            "Offer": [to_base64("Offer", str(o)) for o in offers],
            "Provider": [to_base64("Provider", str(p)) for p in providers],
            "Contract": [to_base64("Contract", str(contract.id))],
            "RefundClaim": [to_base64("RefundClaim", str(claim.id))],
            "ContractDate": [to_base64("ContractDate", str(date.id))],
            "Invoice": [to_base64("Invoice", str(invoice.id))],
            "PlacementRequest": [
                to_base64("PlacementRequest", str(contract.request_id)),
                to_base64("PlacementRequest", str(pending.id)),
            ],
            "Agreement": [to_base64("Agreement", str(agreement.id))],
            "Region": [r["id"] for r in registry["regions"][:2]],
            "Municipality": [e["node"]["id"] for e in registry["municipalities"]["edges"]],
        },
        offer_uuids=offers,
        provider_uuids=providers,
        invoice_uuid=invoice.id,
        client_id=client.client_id,
        client_secret=secret,
    )
