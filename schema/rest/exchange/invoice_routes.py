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
from schema.rest.documented import SIGNED_IN
from schema.rest.exchange import ubl
from schema.rest.exports import _AS_JSON, SECURITY, _node_id, requires_signed_in


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
        "CVR; a party with neither is a 400 `INVALID_STATE`."
    ),
    media_type="application/xml",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN,
    security=SECURITY,
)
async def invoice_ubl(
    request: Request[Principal, Any, Any],
    invoice_id: Annotated[str, QueryParameter(name="invoiceId")],
) -> Response[bytes]:
    found = _node_id(invoice_id, "Invoice", "invoice", "invoiceId")
    invoice, lines = await invoices.invoice_document(request.user, found)
    parties = await _parties(invoice.provider_org, invoice.buyer)
    named = await offers.offers_by_id(request.user, {line.offer_id for line in lines})
    body = ubl.invoice_xml(invoice, lines, parties, {str(k): v.name for k, v in named.items()})
    name = f"invoice-{invoice.provider_org}-{invoice.number}.xml"
    return Response(
        body,
        media_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
