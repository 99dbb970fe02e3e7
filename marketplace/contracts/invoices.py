"""Invoices and credit notes: what a provider bills a buying municipality for a period, as a
document a finance department can pay.

- **Per provider and buying municipality, at the agreement's frequency**: the billing rule of
  the agreement in force for the provider's region on the first day of the month named
  (monthly, quarterly or half-yearly); monthly for private providers, which are outside the
  agreements, and where no agreement says. Only a period that is over is invoiced.
- **Numbered without gaps per provider**: the provider's counter row is counted on, and so
  locked, in the issuing transaction; two issues at once take turns on it, and an issue that
  fails rolls its count back, so numbers are never shared or skipped. Credit notes have a
  series of their own.
- **Dated**: issued today, due after the payment term (the agreement's; else
  ``DEFAULT_PAYMENT_TERM_DAYS``; public authorities may not agree to more than 30 days).
- **Made of the billing lines** of the period's months (the month's statement is the preview
  of the coming invoice): per contract and month, the service at its price level and each
  add-on, by the delivered hours where the provider reported them. The VAT included in
  private providers' VAT-inclusive prices (25%) is stated per line and in total: a fifth of
  the line (the price x 20%), to the øre. Lines with nothing billed are left out; the citizen
  is the buyer's case reference, never a CPR number.
- **Never changed once issued**: a correction is a credit note that refers to it, for at most
  what is left of it (its total less the credit notes before).

Issuing a period twice, or one that overlaps an issued invoice of the same two parties, is
DUPLICATE (a retry with the same idempotency key answers the first invoice); a contract's
month is on one invoice at most (a unique index). The provider's administrators issue; the
provider's administrators and the buying municipality's purchasers read (the registry
administrator reads every invoice, without the case references).
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.table import Table

from marketplace.contracts import parties
from marketplace.contracts.billing import BillingLine, Charge, month_lines, vat_in
from marketplace.contracts.models import (
    MONTHS_PER_INVOICE,
    CreditNoteIssue,
    CreditNoteView,
    HoursSource,
    InvoiceFrequency,
    InvoiceIssue,
    InvoiceView,
)
from marketplace.contracts.rows import CreditNoteRow, InvoiceLineRow, InvoiceRow
from marketplace.contracts.tables import (
    Contract,
    CreditNote,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
)
from marketplace.core import idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.money import to_dkk, to_ore
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.rules import InvoiceTerms, ProviderFacts, rule_book
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.models import EventKind
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderView

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


# --- numbers ------------------------------------------------------------------------------------


def _counter(provider_org: str, kind: str) -> Combinable:
    return (InvoiceCounter.provider_org == provider_org) & (InvoiceCounter.kind == kind)


async def _ensure_counter(provider_org: str, kind: str) -> None:
    """The provider's counter of ``kind``, made at 0 if it has none (two first issues at once:
    one makes it, the other waits for it)."""
    await (
        InvoiceCounter.insert(
            InvoiceCounter(id=uuid.uuid4(), provider_org=provider_org, kind=kind, last_number=0)
        )
        .on_conflict(action="DO NOTHING")
        .run()
    )


async def next_number(provider_org: str, kind: str) -> int:
    """The provider's next number of ``kind``, counted on under its counter row's lock, which
    the caller's transaction holds to its end (a rollback gives the number back)."""
    await _ensure_counter(provider_org, kind)
    rows = (
        await InvoiceCounter.update({InvoiceCounter.last_number: InvoiceCounter.last_number + 1})
        .where(_counter(provider_org, kind))
        .returning(InvoiceCounter.last_number)
        .run()
    )
    return int(rows[0]["last_number"])


async def hold_numbers(provider_org: str) -> None:
    """Take the lock of the provider's invoice counter without counting on: what an invoice
    reads (delivered hours) then waits for an issue running now, and an issue for it."""
    await _ensure_counter(provider_org, INVOICE)
    counter = (
        await InvoiceCounter.select(InvoiceCounter.id)
        .where(_counter(provider_org, INVOICE))
        .first()
        .run()
    )
    assert counter is not None
    await lock_row(InvoiceCounter, counter["id"])


# --- the period and the terms -------------------------------------------------------------------


def period_of(
    month: datetime.date, frequency: InvoiceFrequency
) -> tuple[datetime.date, datetime.date]:
    """The invoicing period that holds ``month``: the month, its quarter or its half-year."""
    months = MONTHS_PER_INVOICE[frequency]
    first = (month.month - 1) // months * months + 1
    last = first + months - 1
    return (
        datetime.date(month.year, first, 1),
        datetime.date(month.year, last, calendar.monthrange(month.year, last)[1]),
    )


def months_of(period: tuple[datetime.date, datetime.date]) -> list[datetime.date]:
    found, month = [], period[0]
    while month <= period[1]:
        found.append(month)
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return found


async def invoice_terms(provider: ProviderView, on: datetime.date) -> InvoiceTerms:
    """How the provider invoices on ``on``: the rule book's answer for its region."""
    municipality = await organisations.get_municipality(provider.municipality_code)
    facts = ProviderFacts(
        provider.org_code,
        provider.owner_type.value,
        municipality.region_code if municipality else None,
    )
    return await rule_book().invoice_terms(facts, on)


def _period_is_over(period: tuple[datetime.date, datetime.date]) -> None:
    if period[1] >= today():
        after = period[1] + datetime.timedelta(days=1)
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The period {period[0].isoformat()} to {period[1].isoformat()} is not over: it "
            f"can be invoiced from {after.isoformat()}.",
            ["month"],
        )


# --- who sees what ------------------------------------------------------------------------------


def _visible(table: type[Table], principal: Principal) -> Combinable | None:
    """The invoices or credit notes the caller may read: its provider's, or those to its
    municipality; every one for the registry administrator (None); none for others."""
    if principal.is_registry_admin:
        return None
    if principal.role is Role.PROVIDER_ADMIN:
        return table._meta.get_column_by_name("provider_org") == principal.org_code
    if principal.role is Role.PURCHASER:
        return table._meta.get_column_by_name("buyer") == principal.org_code
    return table._meta.get_column_by_name("id").is_null()


async def _own_provider(principal: Principal, provider_id: uuid.UUID) -> ProviderView:
    """The provider, if the caller is one of its administrators."""
    principal.require(Role.PROVIDER_ADMIN)
    provider = await organisations.get_provider(provider_id)
    if provider is None:
        raise parties.not_found("provider", ["provider_id"])
    if provider.org_code != principal.org_code:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the provider's administrators issue its invoices.",
            ["provider_id"],
        )
    return provider


# --- reading invoices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLine(BillingLine):
    """A line of an issued invoice: one contract's billing line for one month, as issued."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    month: datetime.date


async def _credited(invoice_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What credit notes have credited of each invoice."""
    credited: dict[uuid.UUID, int] = defaultdict(int)
    if invoice_ids:
        rows = (
            await CreditNote.select(CreditNote.invoice, CreditNote.amount_ore)
            .where(CreditNote.invoice.is_in(list(invoice_ids)))
            .run()
        )
        for row in rows:
            credited[row["invoice"]] += row["amount_ore"]
    return credited


async def _views(rows: Sequence[InvoiceRow]) -> list[InvoiceView]:
    credited = await _credited([row.id for row in rows])
    return [
        InvoiceView.model_validate({**fields_of(row), "credited_ore": credited[row.id]})
        for row in rows
    ]


async def invoices_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InvoiceView]:
    """The invoices the caller may read, by ID (two statements for any number)."""
    if not ids or not principal.is_authenticated:
        return {}
    where = all_of([Invoice.id.is_in(list(ids)), _visible(Invoice, principal)])
    assert where is not None
    rows = rows_as(InvoiceRow, await Invoice.select().where(where).run())
    return {view.id: view for view in await _views(rows)}


async def get_invoice(principal: Principal, invoice_id: uuid.UUID) -> InvoiceView | None:
    return (await invoices_by_id(principal, [invoice_id])).get(invoice_id)


async def _party_filter(
    table: type[Table], provider_id: uuid.UUID | None, municipality_code: str | None
) -> list[Combinable]:
    """The conditions of a list's filter: one provider's documents, one municipality's."""
    conditions: list[Combinable] = []
    if provider_id is not None:
        provider = await organisations.get_provider(provider_id)
        org = provider.org_code if provider is not None else ""
        conditions.append(table._meta.get_column_by_name("provider_org") == org)
    if municipality_code is not None:
        await organisations.require_municipality(municipality_code, ["municipality_code"])
        conditions.append(table._meta.get_column_by_name("buyer") == municipality_code)
    return conditions


async def list_invoices(
    principal: Principal,
    page: PageRequest,
    *,
    provider_id: uuid.UUID | None = None,
    municipality_code: str | None = None,
) -> Page[InvoiceView]:
    """The invoices the caller may read (its provider's, or those to its municipality),
    oldest first; filtered by provider and by buying municipality."""
    principal.require(Role.PROVIDER_ADMIN, Role.PURCHASER, Role.REGISTRY_ADMIN)
    conditions: list[Combinable | None] = [_visible(Invoice, principal)]
    conditions += await _party_filter(Invoice, provider_id, municipality_code)
    rows = await paginate(
        Invoice,
        where=all_of(conditions),
        order_by=[Invoice.issued_at, Invoice.id],
        page=page,
    )
    return rows.with_items(await _views(rows_as(InvoiceRow, rows.items)))


@dataclass(frozen=True, slots=True)
class _LineOfInvoice(InvoiceLineRow):
    """An invoice line with its invoice's parties (joined)."""

    provider_org: str
    buyer: str


def _issued_line(row: _LineOfInvoice, shown: bool) -> IssuedLine:
    return IssuedLine(
        contract_id=row.contract,
        offer_id=row.offer,
        provider_org=row.provider_org,
        buyer=row.buyer,
        citizen_ref=row.citizen_ref if shown else None,
        cpr_masked=None,
        legal_basis=row.legal_basis,
        period_start=row.period_start,
        period_end=row.period_end,
        days=row.days,
        vat_included=row.vat_included,
        charges=[Charge.from_json(c) for c in row.charges],
        hours=parties.maybe_hundredths(row.hours),
        hours_source=HoursSource(row.hours_source) if row.hours_source else None,
        id=row.id,
        invoice_id=row.invoice,
        month=row.month,
    )


async def lines_by_invoice(
    principal: Principal, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[IssuedLine]]:
    """The lines of invoices the caller has read, in their order (one statement); the case
    reference for the invoice's parties only."""
    found: dict[uuid.UUID, list[IssuedLine]] = defaultdict(list)
    if not invoice_ids:
        return found
    invoice = InvoiceLine.invoice._
    rows = (
        await InvoiceLine.select(
            *InvoiceLine.all_columns(),
            invoice.provider_org.as_alias("provider_org"),
            invoice.buyer.as_alias("buyer"),
        )
        .where(InvoiceLine.invoice.is_in(list(invoice_ids)))
        .order_by(InvoiceLine.invoice, InvoiceLine.position)
        .output(load_json=True)
        .run()
    )
    for row in rows_as(_LineOfInvoice, rows):
        shown = parties.is_party(principal, row.buyer, row.provider_org)
        found[row.invoice].append(_issued_line(row, shown))
    return found


async def invoice_document(
    principal: Principal, invoice_id: uuid.UUID
) -> tuple[InvoiceView, list[IssuedLine]]:
    """An invoice with its lines, for its parties (NOT_FOUND for anyone else)."""
    principal.require(Role.PROVIDER_ADMIN, Role.PURCHASER, Role.REGISTRY_ADMIN)
    invoice = await get_invoice(principal, invoice_id)
    if invoice is None:
        raise parties.not_found(INVOICE, ["invoice_id"])
    return invoice, (await lines_by_invoice(principal, [invoice.id]))[invoice.id]


# --- issuing an invoice -------------------------------------------------------------------------


async def _not_invoiced(provider_org: str, buyer: str, period: tuple[datetime.date, ...]) -> None:
    """No invoice of the two parties covers a day of the period (read under the counter's
    lock, so an issue running at the same time has committed or not begun)."""
    found = (
        await Invoice.select(Invoice.number, Invoice.period_start, Invoice.period_end)
        .where(
            (Invoice.provider_org == provider_org)
            & (Invoice.buyer == buyer)
            & (Invoice.period_start <= period[1])
            & (Invoice.period_end >= period[0])
        )
        .first()
        .run()
    )
    if found is not None:
        raise DomainError(
            ErrorCode.DUPLICATE,
            f"The period is invoiced already: invoice {found['number']} "
            f"({found['period_start'].isoformat()} to {found['period_end'].isoformat()}).",
            ["month"],
        )


async def _period_lines(
    principal: Principal, provider_org: str, buyer: str, period: tuple[datetime.date, ...]
) -> list[tuple[datetime.date, BillingLine]]:
    """The billing lines of the two parties' contracts in each month of the period, with
    something billed (the statements' lines: their preview)."""
    condition = (Contract.provider_org == provider_org) & (Contract.buyer == buyer)
    lines = []
    for month in months_of((period[0], period[1])):
        lines += [
            (month, line) for line in await month_lines(principal, condition, month) if line.charges
        ]
    return lines


@dataclass(frozen=True, slots=True)
class _Document:
    """What an invoice states besides its lines."""

    provider_org: str
    buyer: str
    number: int
    period: tuple[datetime.date, datetime.date]
    terms: InvoiceTerms
    frequency: InvoiceFrequency


async def _write_invoice(
    principal: Principal, document: _Document, lines: list[tuple[datetime.date, BillingLine]]
) -> uuid.UUID:
    invoice_id, issued = uuid.uuid4(), today()
    await Invoice.insert(
        Invoice(
            id=invoice_id,
            provider_org=document.provider_org,
            buyer=document.buyer,
            number=document.number,
            period_start=document.period[0],
            period_end=document.period[1],
            frequency=document.frequency.value,
            issue_date=issued,
            due_date=issued + datetime.timedelta(days=document.terms.payment_term_days),
            payment_term_days=document.terms.payment_term_days,
            terms_source=document.terms.source[:300],
            total_ore=sum(line.total_ore for _, line in lines),
            vat_ore=sum(line.vat_ore for _, line in lines),
            line_count=len(lines),
            issued_by=principal.subject or "",
            issued_at=utcnow(),
        )
    ).run()
    await InvoiceLine.insert(
        *(
            _line_row(invoice_id, position, month, line)
            for position, (month, line) in enumerate(lines)
        )
    ).run()
    return invoice_id


def _line_row(
    invoice_id: uuid.UUID, position: int, month: datetime.date, line: BillingLine
) -> InvoiceLine:
    assert line.citizen_ref is not None  # the issuing provider is a party of the contract
    return InvoiceLine(
        id=uuid.uuid4(),
        invoice=invoice_id,
        position=position,
        contract=line.contract_id,
        offer=line.offer_id,
        month=month,
        citizen_ref=line.citizen_ref,
        legal_basis=line.legal_basis,
        period_start=line.period_start,
        period_end=line.period_end,
        days=line.days,
        hours=parties.hundredths(line.hours) if line.hours is not None else None,
        hours_source=line.hours_source.value if line.hours_source else None,
        vat_included=line.vat_included,
        charges=[charge.as_json() for charge in line.charges],
        total_ore=line.total_ore,
    )


async def _claim_key(
    provider_org: str, operation: str, key: str | None, payload: dict[str, Any]
) -> idempotency.Claim | None:
    if key is None:
        return None
    return await idempotency.claim(f"{provider_org}:{operation}", key, payload)


async def issue_invoice(
    principal: Principal,
    provider_id: uuid.UUID,
    command: InvoiceIssue,
    idempotency_key: str | None = None,
) -> InvoiceView:
    """The provider's administrator invoices a buying municipality for the period that holds
    ``command.month`` (see the module's rules)."""
    provider = await _own_provider(principal, provider_id)
    buyer = command.municipality_code
    await organisations.require_municipality(buyer, ["municipality_code"])
    async with write_transaction(principal, "invoiceIssue") as unit:
        payload = {"provider": str(provider_id), **command.model_dump(mode="json")}
        key = await _claim_key(provider.org_code, "invoiceIssue", idempotency_key, payload)
        if key is not None and key.previous is not None:
            found = await get_invoice(principal, key.previous)
            assert found is not None
            return found
        terms = await invoice_terms(provider, command.month)
        frequency = InvoiceFrequency(terms.frequency)
        period = period_of(command.month, frequency)
        _period_is_over(period)
        number = await next_number(provider.org_code, INVOICE)  # the provider's issues queue here
        await _not_invoiced(provider.org_code, buyer, period)
        lines = await _period_lines(principal, provider.org_code, buyer, period)
        if not lines:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                f"Nothing to invoice: no contract of {buyer} is billed from "
                f"{period[0].isoformat()} to {period[1].isoformat()}.",
                ["month"],
            )
        document = _Document(provider.org_code, buyer, number, period, terms, frequency)
        invoice_id = await _write_invoice(principal, document, lines)
        unit.emit(
            EventKind.INVOICE_ISSUED,
            [buyer],
            {"invoice": invoice_id},
            payload={"number": number, "periodStart": period[0].isoformat()},
        )
        if key is not None:
            await key.remember(invoice_id)
        made = await unit.track(
            "Invoice", invoice_id, partial(get_invoice, principal, invoice_id), new=True
        )
    return made.result


# --- credit notes -------------------------------------------------------------------------------


def _credit_note_views(rows: Sequence[CreditNoteRow]) -> list[CreditNoteView]:
    return [
        CreditNoteView.model_validate({**fields_of(row), "invoice_id": row.invoice}) for row in rows
    ]


async def credit_notes_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CreditNoteView]:
    """The credit notes the caller may read, by ID."""
    if not ids or not principal.is_authenticated:
        return {}
    where = all_of([CreditNote.id.is_in(list(ids)), _visible(CreditNote, principal)])
    assert where is not None
    rows = await CreditNote.select().where(where).run()
    return {view.id: view for view in _credit_note_views(rows_as(CreditNoteRow, rows))}


async def get_credit_note(principal: Principal, note_id: uuid.UUID) -> CreditNoteView | None:
    return (await credit_notes_by_id(principal, [note_id])).get(note_id)


async def credit_notes_by_invoice(
    invoice_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[CreditNoteView]]:
    """The credit notes of invoices the caller has read, by number."""
    found: dict[uuid.UUID, list[CreditNoteView]] = defaultdict(list)
    if invoice_ids:
        rows = (
            await CreditNote.select()
            .where(CreditNote.invoice.is_in(list(invoice_ids)))
            .order_by(CreditNote.number)
            .run()
        )
        for view in _credit_note_views(rows_as(CreditNoteRow, rows)):
            found[view.invoice_id].append(view)
    return found


async def list_credit_notes(
    principal: Principal,
    page: PageRequest,
    *,
    provider_id: uuid.UUID | None = None,
    municipality_code: str | None = None,
) -> Page[CreditNoteView]:
    """The credit notes the caller may read, oldest first; filtered as invoices are."""
    principal.require(Role.PROVIDER_ADMIN, Role.PURCHASER, Role.REGISTRY_ADMIN)
    conditions: list[Combinable | None] = [_visible(CreditNote, principal)]
    conditions += await _party_filter(CreditNote, provider_id, municipality_code)
    rows = await paginate(
        CreditNote,
        where=all_of(conditions),
        order_by=[CreditNote.issued_at, CreditNote.id],
        page=page,
    )
    return rows.with_items(_credit_note_views(rows_as(CreditNoteRow, rows.items)))


async def _credited_invoice(principal: Principal, invoice_id: uuid.UUID) -> InvoiceRow:
    """The invoice, if the caller's provider issued it, held to the commit (two credit notes
    on it take turns)."""
    principal.require(Role.PROVIDER_ADMIN)
    row = row_or_none(InvoiceRow, await lock_row(Invoice, invoice_id))
    if row is None or not parties.is_party(principal, row.buyer, row.provider_org):
        raise parties.not_found(INVOICE, ["invoice_id"])
    return row


async def _vat_base(invoice_id: uuid.UUID) -> int:
    """The part of an invoice's total whose prices include VAT."""
    rows = (
        await InvoiceLine.select(InvoiceLine.total_ore)
        .where((InvoiceLine.invoice == invoice_id) & (InvoiceLine.vat_included == True))  # noqa: E712
        .run()
    )
    return sum(row["total_ore"] for row in rows)


async def _amount_left(invoice: InvoiceRow, amount_ore: int) -> None:
    credited = (await _credited([invoice.id]))[invoice.id]
    left = invoice.total_ore - credited
    if amount_ore > left:
        raise DomainError(
            ErrorCode.INVALID,
            f"A credit note credits at most what is left of invoice {invoice.number}: "
            f"{to_dkk(left)} DKK (its total {to_dkk(invoice.total_ore)} DKK, credited "
            f"{to_dkk(credited)} DKK).",
            ["amount"],
        )


async def issue_credit_note(
    principal: Principal,
    invoice_id: uuid.UUID,
    command: CreditNoteIssue,
    idempotency_key: str | None = None,
) -> CreditNoteView:
    """The provider's administrator credits part or all of one of its invoices, with a
    reason: never more than is left of it. Its VAT is the invoice's VAT share of the amount
    (a fifth of it for an invoice of VAT-inclusive prices), to the øre."""
    principal.require(Role.PROVIDER_ADMIN)
    assert principal.org_code is not None
    async with write_transaction(principal, "creditNoteIssue") as unit:
        payload = {"invoice": str(invoice_id), **command.model_dump(mode="json")}
        key = await _claim_key(principal.org_code, "creditNoteIssue", idempotency_key, payload)
        if key is not None and key.previous is not None:
            found = await get_credit_note(principal, key.previous)
            assert found is not None
            return found
        invoice = await _credited_invoice(principal, invoice_id)
        amount = to_ore(command.amount)
        await _amount_left(invoice, amount)
        share = Fraction(await _vat_base(invoice.id), invoice.total_ore or 1)
        note_id = uuid.uuid4()
        await CreditNote.insert(
            CreditNote(
                id=note_id,
                invoice=invoice.id,
                provider_org=invoice.provider_org,
                buyer=invoice.buyer,
                number=await next_number(invoice.provider_org, CREDIT_NOTE),
                issue_date=today(),
                amount_ore=amount,
                vat_ore=vat_in(amount * share),
                reason=command.reason,
                issued_by=principal.subject or "",
                issued_at=utcnow(),
            )
        ).run()
        if key is not None:
            await key.remember(note_id)
        made = await unit.track(
            "CreditNote", note_id, partial(get_credit_note, principal, note_id), new=True
        )
    return made.result
