"""An issued invoice as a PEPPOL BIS Billing 3.0 UBL document, for the invoice's parties."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter

from marketplace.contracts import invoices
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.offers import service as offers
from marketplace.organisations import identifiers
from marketplace.organisations import service as organisations
from schema.rest.documented import SIGNED_IN_DOCUMENT
from schema.rest.exchange import ubl
from schema.rest.exchange.params import modified_after
from schema.rest.exports import (
    _AS_JSON,
    MODIFIED_AFTER,
    SECURITY,
    _node_id,
    nothing_new,
    requires_signed_in,
    unchanged_since,
)


async def _parties(provider_org: str, buyer: str) -> ubl.Parties:
    provider = await organisations.provider_for_org(provider_org)
    municipality = await organisations.get_municipality(buyer)
    if provider is None or municipality is None:  # an issued invoice names both
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such invoice.", ["invoiceId"])
    ids = await identifiers.party_identifiers([provider_org, buyer])
    return ubl.Parties(provider, municipality, ids[provider_org], ids[buyer])


@get(
    "/exports/invoices.xml",
    tags=["exports"],
    summary="An issued invoice as a PEPPOL BIS Billing 3.0 UBL document (for NemHandel)",
    description=(
        "Give `invoiceId` (the invoice's global ID or UUID). For the provider's administrators "
        "and the buying municipality's purchasers; needs a bearer token. The parties are "
        "named by their EAN/GLN numbers where their e-invoicing settings hold them, else by "
        "CVR; a party with neither is a 400 `INVALID_STATE`. An issued invoice never "
        "changes: with `modified_after` later than its issue the answer is 204, no body."
    ),
    media_type="application/xml",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN_DOCUMENT,
    security=SECURITY,
)
async def invoice_ubl(
    request: Request[Principal, Any, Any],
    invoice_id: Annotated[str, QueryParameter(name="invoiceId")],
    modified_after_: Annotated[str | None, MODIFIED_AFTER] = None,
) -> Response[Any]:
    since = modified_after(modified_after_)
    found = _node_id(invoice_id, "Invoice", "invoice", "invoiceId")
    invoice, lines = await invoices.invoice_document(request.user, found)
    if unchanged_since(invoice.issued_at, since):
        return nothing_new()
    parties = await _parties(invoice.provider_org, invoice.buyer)
    named = await offers.offers_by_id(request.user, {line.offer_id for line in lines})
    body = ubl.invoice_xml(invoice, lines, parties, {str(k): v.name for k, v in named.items()})
    name = f"invoice-{invoice.provider_org}-{invoice.number}.xml"
    return Response(
        body,
        media_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@get(
    "/exports/credit-notes.xml",
    tags=["exports"],
    summary="An issued credit note as a PEPPOL BIS Billing 3.0 UBL CreditNote (for NemHandel)",
    description=(
        "Give `creditNoteId` (the credit note's global ID or UUID). For the provider's "
        "administrators and the buying municipality's purchasers; needs a bearer token. It "
        "refers to its invoice and names the parties as the invoice does. With "
        "`modified_after` later than its issue the answer is 204, no body."
    ),
    media_type="application/xml",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN_DOCUMENT,
    security=SECURITY,
)
async def credit_note_ubl(
    request: Request[Principal, Any, Any],
    credit_note_id: Annotated[str, QueryParameter(name="creditNoteId")],
    modified_after_: Annotated[str | None, MODIFIED_AFTER] = None,
) -> Response[Any]:
    since = modified_after(modified_after_)
    found = _node_id(credit_note_id, "CreditNote", "credit note", "creditNoteId")
    note = await invoices.get_credit_note(request.user, found)
    invoice = await invoices.get_invoice(request.user, note.invoice_id) if note else None
    if note is None or invoice is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such credit note.", ["creditNoteId"])
    if unchanged_since(note.issued_at, since):
        return nothing_new()
    parties = await _parties(invoice.provider_org, invoice.buyer)
    body = ubl.credit_note_xml(note, invoice, parties)
    name = f"credit-note-{note.provider_org}-{note.number}.xml"
    return Response(
        body,
        media_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
