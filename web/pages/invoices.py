"""Invoices and credit notes: a provider invoices a buying municipality for a month (or the
quarter or half-year its agreement invoices by) and credits an invoice; both parties read
them. A provider also reports the hours delivered under an hourly contract, on the
contract's page, until the month is invoiced."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.contracts import billing, hours, invoices
from marketplace.contracts.models import CreditNoteIssue, DeliveredHoursReport, InvoiceIssue
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import service as offers
from marketplace.organisations import service as organisations
from marketplace.organisations.reference import municipality_records
from web.forms import FormInvalid, command, error_context, form_errors, refused, values
from web.pages.contracts import contract_page, months_back
from web.render import page
from web.security import principal_of, requires

PER_PAGE = 25
PARTY = requires(Role.PURCHASER, Role.PROVIDER_ADMIN)
PROVIDER = requires(Role.PROVIDER_ADMIN)


def _first_day(text: str) -> datetime.date:
    """A month from the form (``2027-01``) as its first day."""
    try:
        return billing.parse_month(text)
    except DomainError as error:
        raise refused(error) from None


async def _list(
    request: Request[Any, Any, Any],
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    after = request.query_params.get("efter") or None
    found = await invoices.list_invoices(principal, PageRequest(PER_PAGE, after))
    last_month = months_back(today().replace(day=1), 2)[-1]
    return page(
        request,
        "invoices/list.html",
        status_code=400 if failed else 200,
        found=found,
        next_cursor=found.next_after,
        municipalities=sorted(
            ((m.code, m.name) for m in municipality_records()), key=lambda c: c[1]
        ),
        values=shown or {"month": f"{last_month:%Y-%m}", "idempotency": uuid.uuid4().hex},
        **error_context(failed),
    )


@get("/fakturaer", name="invoices", guards=[PARTY])
async def invoice_list(request: Request[Any, Any, Any]) -> Template:
    return await _list(request)


@post("/fakturaer", name="invoice_issue", guards=[PROVIDER])
async def invoice_issue(request: Request[Any, Any, Any]) -> Any:
    principal = principal_of(request)
    form = await request.form()
    shown = values(form)
    key = str(shown.get("idempotency", ""))[:200] or None
    try:
        provider = await organisations.provider_for_org(principal.org_code or "")
        if provider is None:
            raise NotFoundException()
        issued = await invoices.issue_invoice(
            principal,
            provider.id,
            command(
                InvoiceIssue,
                {
                    "municipality_code": shown.get("municipality_code"),
                    "month": _first_day(str(shown.get("month", ""))),
                },
            ),
            idempotency_key=key,
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _list(request, failed=failed, shown=shown)
    return Redirect(f"/fakturaer/{issued.id}", status_code=303)


async def _detail(
    request: Request[Any, Any, Any],
    invoice_id: uuid.UUID,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    try:
        invoice, lines = await invoices.invoice_document(principal, invoice_id)
    except DomainError:
        raise NotFoundException() from None
    notes = (await invoices.credit_notes_by_invoice([invoice.id]))[invoice.id]
    names = await offers.offers_by_id(principal, list({line.offer_id for line in lines}))
    return page(
        request,
        "invoices/detail.html",
        status_code=400 if failed else 200,
        invoice=invoice,
        lines=lines,
        notes=notes,
        offers=names,
        is_provider=principal.role is Role.PROVIDER_ADMIN,
        values=shown or {"idempotency": uuid.uuid4().hex},
        **error_context(failed),
    )


@get("/fakturaer/{invoice_id:uuid}", name="invoice", guards=[PARTY])
async def invoice_detail(
    request: Request[Any, Any, Any], invoice_id: FromPath[uuid.UUID]
) -> Template:
    return await _detail(request, invoice_id)


@post("/fakturaer/{invoice_id:uuid}/kreditnota", name="credit_note_issue", guards=[PROVIDER])
async def credit_note_issue(
    request: Request[Any, Any, Any], invoice_id: FromPath[uuid.UUID]
) -> Any:
    shown = values(await request.form(), amounts=["amount"])
    key = str(shown.pop("idempotency", ""))[:200] or None
    try:
        await invoices.issue_credit_note(
            principal_of(request), invoice_id, command(CreditNoteIssue, shown), idempotency_key=key
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _detail(request, invoice_id, failed=failed, shown=shown)
    return Redirect(f"/fakturaer/{invoice_id}", status_code=303)


@post("/kontrakter/{contract_id:uuid}/timer", name="hours_report", guards=[PROVIDER])
async def hours_report(request: Request[Any, Any, Any], contract_id: FromPath[uuid.UUID]) -> Any:
    shown = values(await request.form(), amounts=["hours"])
    try:
        data = {**shown, "month": _first_day(str(shown.get("month", "")))}
        await hours.report_hours(
            principal_of(request), contract_id, command(DeliveredHoursReport, data)
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await contract_page(request, contract_id, failed=failed, shown=shown)
    return Redirect(f"/kontrakter/{contract_id}?timer=1", status_code=303)


ROUTES = [invoice_list, invoice_issue, invoice_detail, credit_note_issue, hours_report]
