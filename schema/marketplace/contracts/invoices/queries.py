"""Read side of invoices and credit notes, for the provider and the buying municipality."""

from __future__ import annotations

import uuid

import strawberry

from marketplace.contracts import invoices
from schema.context import Info
from schema.errors import arguments
from schema.ids import filter_uuid, node_uuid
from schema.marketplace.contracts.invoices.inputs import InvoiceFilterInput
from schema.marketplace.contracts.invoices.types import CreditNote, Invoice
from schema.relay import Connection, page_request


def _provider(filter: InvoiceFilterInput | None) -> uuid.UUID | None:
    value = filter.provider_id if filter else None
    return filter_uuid(
        value if isinstance(value, str) else None, "Provider", "provider", "provider_id"
    )


def _municipality(filter: InvoiceFilterInput | None) -> str | None:
    value = filter.municipality_code if filter else None
    return value if isinstance(value, str) else None


@strawberry.type
class InvoiceQuery:
    @strawberry.field(
        description=(
            "Invoices: your provider's (its administrators) or those to your municipality (its "
            "purchasers), oldest first; every invoice for the registry administrator."
        )
    )
    async def invoices(
        self,
        info: Info,
        filter: InvoiceFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Invoice]:
        with arguments("filter"):
            page = await invoices.list_invoices(
                info.context.principal,
                page_request(info, first, after),
                provider_id=_provider(filter),
                municipality_code=_municipality(filter),
            )
        return Connection.of(page, Invoice.of)

    @strawberry.field(description="An invoice; null when there is none or it is not yours.")
    async def invoice(self, info: Info, id: strawberry.ID) -> Invoice | None:
        invoice_id = node_uuid(id, "Invoice", ("id",))
        if invoice_id is None:
            return None
        view = await invoices.get_invoice(info.context.principal, invoice_id)
        return Invoice.of(view) if view else None

    @strawberry.field(
        description="Credit notes, read as invoices are (the provider and the municipality)."
    )
    async def credit_notes(
        self,
        info: Info,
        filter: InvoiceFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CreditNote]:
        with arguments("filter"):
            page = await invoices.list_credit_notes(
                info.context.principal,
                page_request(info, first, after),
                provider_id=_provider(filter),
                municipality_code=_municipality(filter),
            )
        return Connection.of(page, CreditNote.of)

    @strawberry.field(description="A credit note; null when there is none or it is not yours.")
    async def credit_note(self, info: Info, id: strawberry.ID) -> CreditNote | None:
        note_id = node_uuid(id, "CreditNote", ("id",))
        if note_id is None:
            return None
        view = await invoices.get_credit_note(info.context.principal, note_id)
        return CreditNote.of(view) if view else None
