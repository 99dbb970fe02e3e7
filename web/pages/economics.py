"""The year's economics of an offer: occupancy month by month (declared places and contracts)
against the price list's budgeted occupancy, and the year-end settlement (budget regulation,
the result carried into a later year's price basis). The provider settles its own offers; the
steering group reads its region's, and every region's national and supra-regional offers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from agreements.economics import national
from agreements.economics import service as economics
from agreements.economics.models import SettlementCreate, YearEconomics
from agreements.economics.settlement import settle_year
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest, paginate
from marketplace.offers.models import OfferStatus
from marketplace.offers.tables import Offer
from web import charts
from web.forms import FormInvalid, amount, command, error_context, form_errors
from web.paging import or_first_page
from web.render import month_name, page
from web.security import principal_of, requires

READERS = requires(Role.STEERING, Role.PROVIDER_ADMIN)
STEERING = requires(Role.STEERING)
PROVIDER = requires(Role.PROVIDER_ADMIN)
PER_PAGE = 50
NATIONAL_PER_PAGE = 50


def year_of(request: Request[Any, Any, Any]) -> int:
    text = request.query_params.get("aar") or ""
    year = int(text) if text.isdigit() else today().year
    if not 2000 <= year <= today().year + 1:
        raise NotFoundException()
    return year


def chart_of(found: YearEconomics) -> str:
    return charts.line_chart(
        [month_name(m.month)[:3] for m in found.months],
        [
            charts.Series("Belægning %", [m.occupancy_bp / 100 for m in found.months]),
            charts.Series(
                "Budgetteret %",
                [m.budgeted_bp / 100 if m.budgeted_bp is not None else None for m in found.months],
            ),
        ],
        title=f"Belægning i {found.year} for {found.offer_name}",
        description=(
            "Belægningsprocent pr. måned (erklærede pladser og kontrakternes dage) mod den "
            "budgetterede belægning i årets takster. Tallene står i tabellen under figuren."
        ),
        ident="economics",
    )


async def _economics_page(
    request: Request[Any, Any, Any],
    offer_id: uuid.UUID,
    year: int,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    try:
        found = await economics.year_economics(principal, offer_id, year)
    except DomainError:
        raise NotFoundException() from None
    is_provider = principal.role is Role.PROVIDER_ADMIN
    return page(
        request,
        "economics/offer.html",
        status_code=400 if failed else 200,
        found=found,
        chart=chart_of(found),
        may_settle=is_provider and found.settlement is None and year < today().year,
        back="/udbyder/tilbud/" + str(offer_id) if is_provider else "/styregruppe/oekonomi",
        years=list(range(today().year - 3, today().year + 1)),
        values=shown or {},
        **error_context(failed),
    )


@get("/oekonomi/{offer_id:uuid}", name="offer_economics", guards=[READERS])
async def offer_economics(
    request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]
) -> Template:
    return await _economics_page(request, offer_id, year_of(request))


@post("/oekonomi/{offer_id:uuid}/afregn", name="offer_settle", guards=[PROVIDER])
async def offer_settle(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Any:
    form = await request.form()
    year_text = str(form.get("year", ""))
    year = int(year_text) if year_text.isdigit() else today().year
    shown = {"actual_cost": str(form.get("actual_cost", "")).strip()}
    data: dict[str, Any] = {"offer_id": offer_id, "year": year}
    if shown["actual_cost"]:
        data["actual_cost"] = amount(shown["actual_cost"])
    try:
        await settle_year(principal_of(request), command(SettlementCreate, data))
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _economics_page(request, offer_id, year, failed=failed, shown=shown)
    return Redirect(f"/oekonomi/{offer_id}?aar={year}", status_code=303)


async def region_offers(region: str | None, after: str | None) -> Page[dict[str, Any]]:
    """A page of the region's published offers by name: their id and name only (the page
    links to each offer's economics), and how many there are."""
    where = (Offer.status == OfferStatus.PUBLISHED.value) & (Offer.municipality._.region == region)

    def read(cursor: str | None) -> Awaitable[Page[dict[str, Any]]]:
        return paginate(
            Offer,
            where=where,
            order_by=[Offer.name_key, Offer.id],
            page=PageRequest(PER_PAGE, cursor),
            columns=[Offer.id, Offer.name, Offer.name_key],
        )

    return await or_first_page(read, after)


@get("/styregruppe/oekonomi", name="steering_economics", guards=[STEERING])
async def steering_economics(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    year = year_of(request)
    national_page = await _national_page(principal, request.query_params.get("landsefter"), year)
    own = await region_offers(principal.org_code, request.query_params.get("efter") or None)
    return page(
        request,
        "economics/steering.html",
        year=year,
        years=list(range(today().year - 3, today().year + 1)),
        national=national_page.items,
        national_next=national_page.next_after,
        own=own,
        next_cursor=own.next_after,
    )


async def _national_page(
    principal: Principal, after: str | None, year: int
) -> Page[national.NationalOfferView]:
    """A page of the national and supra-regional offers."""

    def read(cursor: str | None) -> Awaitable[Page[national.NationalOfferView]]:
        return national.national_offers(principal, PageRequest(NATIONAL_PER_PAGE, cursor), year)

    return await or_first_page(read, after)


ROUTES = [offer_economics, offer_settle, steering_economics]
