"""OCDS release packages under /ocds/: a region's agreements (framework agreements) and the
contracts at its offers (call-offs). For signed-in users; contracts for their parties, the
region's steering group and the registry administrator."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.params import QueryParameter

from agreements.frameworks import feed
from marketplace.contracts import calloffs
from marketplace.core.identity import Principal
from marketplace.organisations import service as organisations
from schema.rest.documented import SIGNED_IN
from schema.rest.exchange import ocds
from schema.rest.exchange.params import modified_after
from schema.rest.exports import SECURITY, requires_signed_in

_REGION = QueryParameter(name="regionCode", description="1081-1085")
_SINCE = QueryParameter(name="modified_after", description="ISO 8601; only what changed since")


async def agreements_package(
    principal: Principal, region_code: str, since: datetime.datetime | None, uri: str
) -> dict[str, Any]:
    found = await feed.made_agreements(principal, region_code, since)
    codes = sorted({p for a in found for p in a.parties if len(p) == 3})
    municipalities = await organisations.municipalities_by_code(codes)
    return ocds.package(
        [ocds.agreement_release(a, municipalities) for a in found],
        uri,
    )


async def contracts_package(
    principal: Principal, region_code: str, since: datetime.datetime | None, uri: str
) -> dict[str, Any]:
    found = await calloffs.call_offs(principal, region_code, since)
    agreements = await feed.made_agreements(principal, region_code)
    municipalities = await organisations.municipalities_by_code(sorted({c.buyer for c in found}))
    providers = await organisations.providers_by_org({c.provider_org for c in found})
    return ocds.package(
        [ocds.call_off_release(c, agreements, municipalities, providers) for c in found],
        uri,
    )


@get(
    "/ocds/agreements",
    tags=["ocds"],
    summary="A region's agreements as an OCDS release package (framework agreements)",
    description="Needs a bearer token. Agreements in force or expired; `modified_after` keeps "
    "those changed since.",
    guards=[requires_signed_in],
    responses=SIGNED_IN,
    security=SECURITY,
)
async def ocds_agreements(
    request: Request[Principal, Any, Any],
    region_code: Annotated[str, _REGION],
    modified_after_: Annotated[str | None, _SINCE] = None,
) -> Response[dict[str, Any]]:
    since = modified_after(modified_after_)
    body = await agreements_package(request.user, region_code, since, str(request.url))
    return Response(body, media_type=MediaType.JSON)


@get(
    "/ocds/contracts",
    tags=["ocds"],
    summary="Contracts at a region's offers as OCDS call-offs (release package)",
    description="Needs a bearer token: the contracts' parties see their own, the region's "
    "steering group and the registry administrator all. No personal data.",
    guards=[requires_signed_in],
    responses=SIGNED_IN,
    security=SECURITY,
)
async def ocds_contracts(
    request: Request[Principal, Any, Any],
    region_code: Annotated[str, _REGION],
    modified_after_: Annotated[str | None, _SINCE] = None,
) -> Response[dict[str, Any]]:
    since = modified_after(modified_after_)
    body = await contracts_package(request.user, region_code, since, str(request.url))
    return Response(body, media_type=MediaType.JSON)


ROUTES = [ocds_agreements, ocds_contracts]
