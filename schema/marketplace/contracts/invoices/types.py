"""GraphQL types of delivered hours, invoices and credit notes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from marketplace.contracts import invoices
from marketplace.contracts import models as m
from marketplace.core.pagination import PageRequest, page_of
from schema.agreements.frameworks.types import InvoiceFrequency
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.contracts.types import BillingLine, Contract
from schema.marketplace.organisations.types import Municipality, Provider
from schema.money import Money
from schema.relay import Connection, load_held, load_list, load_one, nodes_by_key


@strawberry.type(
    description=(
        "The hours a provider delivered under an hourly contract in a month. Billing uses them "
        "instead of the agreed hours; a new report for the month corrects it until the month "
        "is invoiced."
    )
)
class DeliveredHours(FromView):
    month: str = strawberry.field(description="YYYY-MM")
    hours: Decimal
    note: str
    revision: int = strawberry.field(description="1 when first reported; one more per correction.")
    reported_by: str = strawberry.field(description="Who reported (the token's subject).")
    reported_at: datetime.datetime
    invoiced: bool = strawberry.field(
        description="The month is on an invoice: its hours no longer change."
    )
    view: strawberry.Private[m.DeliveredHoursView]

    @classmethod
    def of(cls, view: m.DeliveredHoursView) -> DeliveredHours:
        return from_view(cls, view, month=view.month.strftime("%Y-%m"))

    @strawberry.field(description="The contract the hours were delivered under.")
    async def contract(self, info: Info) -> Contract | None:
        loader = info.context.marketplace.contract_by_id
        return await load_one(loader, self.view.contract_id, Contract.of)


@strawberry.type(
    description=(
        "A line of an issued invoice: one contract's billing line for one month of the "
        "period, as it was billed (the case reference, never a CPR number)."
    )
)
class InvoiceLine(BillingLine):
    month: str = strawberry.field(description="YYYY-MM")

    @classmethod
    def of(cls, view: invoices.IssuedLine) -> InvoiceLine:
        return from_view(cls, view, month=view.month.strftime("%Y-%m"))


@strawberry.type(
    description=(
        "A provider's invoice to a buying municipality for a period (a month, or a quarter or "
        "half-year where the agreement says), numbered without gaps per provider, with its "
        "issue and due date and its totals, VAT included. It never changes once issued; a "
        "correction is a credit note. The provider's administrators and the municipality's "
        "purchasers see it."
    )
)
class Invoice(FromView, relay.Node):
    id: relay.NodeID[str]
    number: int = strawberry.field(description="The provider's invoice number (1, 2, ...).")
    period_start: datetime.date
    period_end: datetime.date
    frequency: InvoiceFrequency  # type: ignore[valid-type]
    issue_date: datetime.date
    due_date: datetime.date = strawberry.field(description="The issue date plus the payment term.")
    payment_term_days: int
    terms_source: str = strawberry.field(
        description="Where the frequency and payment term come from (the agreement, or settings)."
    )
    total: Money = strawberry.field(description="What the municipality pays, VAT included.")
    vat: Money = strawberry.field(
        description="The VAT the total includes (private providers' VAT-inclusive prices)."
    )
    net: Money = strawberry.field(description="The total without its VAT.")
    credited: Money = strawberry.field(description="What credit notes have credited of it.")
    balance: Money = strawberry.field(description="The total less what is credited.")
    line_count: int
    issued_by: str = strawberry.field(description="Who issued it (the token's subject).")
    issued_at: datetime.datetime
    view: strawberry.Private[m.InvoiceView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.invoice_by_id)

    @strawberry.field(description="The provider that issued it.")
    async def provider(self, info: Info) -> Provider | None:
        loader = info.context.marketplace.provider_by_org
        return await load_one(loader, self.view.provider_org, Provider.of)

    @strawberry.field(description="The buying (acting) municipality, which pays.")
    async def buyer(self, info: Info) -> Municipality:
        loader = info.context.marketplace.municipality_by_code
        return await load_held(loader, self.view.buyer, Municipality.of)

    @strawberry.field(description="Its lines, per month, legal basis and start.")
    async def lines(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[InvoiceLine]:
        found = await info.context.marketplace.invoice_lines_by_invoice.load(self.view.id)
        return Connection.of(page_of(found or [], PageRequest.of(first, after)), InvoiceLine.of)

    @strawberry.field(description="The credit notes that correct it, by number.")
    async def credit_notes(self, info: Info) -> list[CreditNote]:
        loader = info.context.marketplace.credit_notes_by_invoice
        return await load_list(loader, self.view.id, CreditNote.of)


@strawberry.type(
    description=(
        "A correction of an issued invoice: an amount (VAT included, as the invoice's total) "
        "credited with a reason, never more than what is left of the invoice; numbered without "
        "gaps per provider in a series of its own."
    )
)
class CreditNote(FromView, relay.Node):
    id: relay.NodeID[str]
    number: int
    issue_date: datetime.date
    amount: Money = strawberry.field(description="What is credited, VAT included.")
    vat: Money = strawberry.field(description="The VAT the amount includes.")
    net: Money
    reason: str
    issued_by: str
    issued_at: datetime.datetime
    view: strawberry.Private[m.CreditNoteView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.credit_note_by_id)

    @strawberry.field(description="The invoice it corrects.")
    async def invoice(self, info: Info) -> Invoice | None:
        loader = info.context.marketplace.invoice_by_id
        return await load_one(loader, self.view.invoice_id, Invoice.of)

    @strawberry.field(description="The provider that issued it.")
    async def provider(self, info: Info) -> Provider | None:
        loader = info.context.marketplace.provider_by_org
        return await load_one(loader, self.view.provider_org, Provider.of)

    @strawberry.field(description="The buying municipality it is to.")
    async def buyer(self, info: Info) -> Municipality:
        loader = info.context.marketplace.municipality_by_code
        return await load_held(loader, self.view.buyer, Municipality.of)
