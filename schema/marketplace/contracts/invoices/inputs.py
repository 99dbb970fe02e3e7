"""GraphQL inputs of delivered hours, invoices and credit notes; pydantic commands validate
them."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.contracts.inputs import IDEMPOTENCY


@strawberry.input(
    description=(
        "Report the hours delivered under one of your hourly contracts in a month (it has "
        "begun, and the contract runs in it); a report for a month already reported corrects "
        "it, until the month is invoiced."
    )
)
class DeliveredHoursReportInput:
    contract_id: strawberry.ID
    month: str = strawberry.field(description="YYYY-MM")
    hours: Decimal = strawberry.field(
        description="0 or more, at most the contract's days in the month x 24."
    )
    note: str | None = UNSET


@strawberry.input(
    description=(
        "Invoice a buying municipality for the period that holds the month: the month, or the "
        "quarter or half-year where the agreement invoices so. The period must be over; it is "
        "invoiced once (a second issue is DUPLICATE; the same idempotencyKey answers the first "
        "invoice)."
    )
)
class InvoiceIssueInput:
    provider_id: strawberry.ID = strawberry.field(description="Your provider.")
    municipality_code: str = strawberry.field(description="The buying municipality (3 digits).")
    month: str = strawberry.field(description="YYYY-MM: a month of the period.")
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(
    description=(
        "Correct one of your provider's invoices with a credit note: an amount (VAT included, "
        "as the invoice's total) and the reason; at most what is left of the invoice."
    )
)
class CreditNoteIssueInput:
    invoice_id: strawberry.ID
    amount: Decimal = strawberry.field(description="DKK, more than 0.")
    reason: str
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="One provider's documents, or one buying municipality's.")
class InvoiceFilterInput:
    provider_id: strawberry.ID | None = UNSET
    municipality_code: str | None = UNSET
