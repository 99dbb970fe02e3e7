"""A region's price catalogue as .xlsx, and a provider's offers imported from a spreadsheet."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK

from marketplace.core.errors import DomainError, DomainErrors
from marketplace.core.identity import Principal
from marketplace.offers import bulk, catalogue
from schema.rest.documented import IMPORT, PUBLIC
from schema.rest.exchange import spreadsheet
from schema.rest.exchange.params import modified_after
from schema.rest.exports import (
    _AS_JSON,
    SECURITY,
    _provider_id,
    error_response,
    requires_signed_in,
)


def _year(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1  # refused by the catalogue as out of range, naming the year


@get(
    "/exports/price-catalogue.xlsx",
    tags=["exports"],
    summary="A region's price catalogue (takstkatalog) for a year as .xlsx",
    description=(
        "Give `regionCode` (1081-1085) and `year`. One row per published offer (in the "
        "region's municipalities) and price level, with the provider, CVR, legal bases, "
        "target groups, capacity, budgeted occupancy, unit, prices, add-ons, VAT and valid "
        "from; frozen header and autofilter. The same columns import with "
        "`POST /imports/offers`. Optional `modified_after`. No token needed."
    ),
    media_type=spreadsheet.XLSX,
    exception_handlers=_AS_JSON,
    responses=PUBLIC,
)
async def price_catalogue_xlsx(
    region_code: Annotated[str, QueryParameter(name="regionCode")],
    year: Annotated[str, QueryParameter(description="YYYY")],
    modified_after_: Annotated[str | None, QueryParameter(name="modified_after")] = None,
) -> Response[Any]:
    since = modified_after(modified_after_)
    entries = await catalogue.region_catalogue(region_code, _year(year))
    if since is not None:
        entries = [
            e for e in entries if max(e.offer.updated_at, e.price_list.published_at) >= since
        ]
    body = spreadsheet.catalogue_xlsx(
        bulk.catalogue_rows(entries), f"Takstkatalog {region_code} {year}"
    )
    return Response(
        body,
        media_type=spreadsheet.XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="takstkatalog-{region_code}-{year}.xlsx"'
        },
    )


async def _body(request: Request[Any, Any, Any]) -> bytes:
    """The upload, refused as soon as it passes the limit (never read whole into memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > spreadsheet.MAX_IMPORT_BYTES:
        raise spreadsheet.too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > spreadsheet.MAX_IMPORT_BYTES:
            raise spreadsheet.too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _errors(error: DomainError) -> Response[Any]:
    """Every problem of a refused import (a DomainErrors), not only the first."""
    response = error_response(error)
    if isinstance(error, DomainErrors):
        body = dict(response.content)
        body["errors"] = [
            {"code": e.code.value, "message": e.message, "field": e.field} for e in error.errors
        ]
        return Response(body, status_code=response.status_code, media_type=MediaType.JSON)
    return response


@post(
    "/imports/offers",
    tags=["imports"],
    summary="Import a provider's offers and price lists from .xlsx, .xls, .ods or .csv",
    description=(
        "The file is the request body (at most 5 MB), with the columns of the price "
        "catalogue (`offer`, `category`, `age_segment`, `min_age`, `max_age`, `year`, "
        "`unit`, `base_price` required): one row per offer and price level. Give "
        "`providerId`; `dryRun=true` checks everything and writes nothing. All or nothing: "
        "any problem is a 400 whose `errors` name each row and column, and nothing is "
        "imported. New offers are drafts. For the provider's administrators."
    ),
    status_code=HTTP_200_OK,
    request_max_body_size=None,
    guards=[requires_signed_in],
    responses=IMPORT,
    security=SECURITY,
)
async def import_offers(
    request: Request[Principal, Any, Any],
    provider_id: Annotated[str, QueryParameter(name="providerId")],
    dry_run: Annotated[bool, QueryParameter(name="dryRun")] = False,
) -> Response[Any]:
    try:
        provider = _provider_id(provider_id)
        table = spreadsheet.read_table(await _body(request))
        result = await bulk.import_offers(request.user, provider, table, dry_run=dry_run)
    except DomainError as error:
        return _errors(error)
    return Response(
        {
            "dryRun": result.dry_run,
            "offers": result.offers,
            "priceLevels": result.price_levels,
            "offerIds": [str(i) for i in result.offer_ids],
        },
        media_type=MediaType.JSON,
    )


ROUTES = [price_catalogue_xlsx, import_offers]
