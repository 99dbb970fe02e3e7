"""Write side of delivered hours, invoices and credit notes (the provider's administrators)."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import billing, hours, invoices
from marketplace.contracts.models import CreditNoteIssue, DeliveredHoursReport, InvoiceIssue
from marketplace.core.identity import Principal
from schema.errors import UserError
from schema.marketplace.contracts.invoices.inputs import (
    CreditNoteIssueInput,
    DeliveredHoursReportInput,
    InvoiceIssueInput,
)
from schema.marketplace.contracts.invoices.types import CreditNote, DeliveredHours, Invoice
from schema.mutation import Given, mutation


@strawberry.type
class DeliveredHoursPayload:
    delivered_hours: DeliveredHours | None
    errors: list[UserError]


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None
    errors: list[UserError]


@strawberry.type
class CreditNotePayload:
    credit_note: CreditNote | None
    errors: list[UserError]


def _month(given: Given) -> None:
    """The input's month (YYYY-MM) as its first day."""
    given.data["month"] = billing.parse_month(str(given.data.get("month")))


async def _report(who: Principal, given: Given) -> Any:
    contract_id = given.id("contract_id", "Contract", "contract")
    _month(given)
    return await hours.report_hours(
        who, contract_id, given.command(DeliveredHoursReport, nulls="top")
    )


async def _issue(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    provider_id = given.id("provider_id", "Provider", "provider")
    _month(given)
    return await invoices.issue_invoice(who, provider_id, given.command(InvoiceIssue), key)


async def _credit(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    invoice_id = given.id("invoice_id", "Invoice", "invoice")
    return await invoices.issue_credit_note(who, invoice_id, given.command(CreditNoteIssue), key)


@strawberry.type
class InvoiceMutation:
    delivered_hours_report = mutation(
        DeliveredHoursPayload,
        DeliveredHoursReportInput,
        _report,
        description=(
            "Report (or correct) the hours delivered under your hourly contract in a month "
            "(the provider's administrators); refused once the month is invoiced."
        ),
    )
    invoice_issue = mutation(
        InvoicePayload,
        InvoiceIssueInput,
        _issue,
        description=(
            "Issue your provider's invoice to a buying municipality for a period that is over "
            "(the provider's administrators): the next number, today's date, due after the "
            "payment term, the period's billing lines."
        ),
    )
    credit_note_issue = mutation(
        CreditNotePayload,
        CreditNoteIssueInput,
        _credit,
        description=(
            "Correct one of your provider's invoices with a credit note, at most what is left "
            "of it (the provider's administrators)."
        ),
    )
