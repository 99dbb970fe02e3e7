"""The provider's desk: its offers (create, edit, publish, suspend, close) and their price
lists for this year and next, with levels and add-ons.

The forms post to their own address; done, they redirect to the offer's page; refused, they
show the form again with the reasons by the fields and nothing changed. The requests' inbox
and the contracts are the pages a purchaser uses too (``web.pages.requests``, ``contracts``).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import (
    AgeSegment,
    ApprovalStatus,
    OfferCategory,
    OfferContent,
    OfferStatus,
    OfferView,
    PriceListPublish,
    PriceListView,
    PriceUnit,
)
from marketplace.offers.taxonomy import service_type_records, target_group_records
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderView
from marketplace.organisations.reference import municipality_records
from web import danish, labels
from web.forms import FormInvalid, command, error_context, form_errors, values
from web.render import page
from web.security import principal_of, requires

PER_PAGE = 25
PROVIDER = requires(Role.PROVIDER_ADMIN)
# The offer form's fields; the rest of an offer's content (its position) follows from them.
LISTS = ("legal_bases", "target_groups", "service_types")
OPTIONAL = (
    "street_address",
    "postal_code",
    "city",
    "municipality_code",
    "approved_places",
    "approved_on",
    "expected_free_from",
    "primary_target_group",
)
FORM_FIELDS = (
    "name",
    "description",
    "category",
    "age_segment",
    "min_age",
    "max_age",
    "methods",
    "approval_status",
    "capacity_places",
    "occupied_places",
    "takes_acute",
    *LISTS,
    *OPTIONAL,
)
EXTRA_ROWS = 2  # empty rows for new levels and add-ons below the ones there are
# What may follow each status, and what the button says.
STATUS_ACTIONS = {
    OfferStatus.PUBLISHED: "Offentliggør",
    OfferStatus.SUSPENDED: "Luk midlertidigt for henvendelser",
    OfferStatus.CLOSED: "Luk tilbuddet",
}


async def _provider(request: Request[Any, Any, Any]) -> ProviderView:
    org_code = principal_of(request).org_code
    provider = await organisations.provider_for_org(org_code) if org_code else None
    if provider is None:
        raise NotFoundException()
    return provider


async def _managed(request: Request[Any, Any, Any], offer_id: uuid.UUID) -> OfferView:
    """The provider's own offer; another provider's answers 404, as if it were not there."""
    try:
        return await offers.managed_offer(principal_of(request), offer_id)
    except DomainError:
        raise NotFoundException() from None


@get("/udbyder/tilbud", name="provider_offers", guards=[PROVIDER])
async def offer_list(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    provider = await _provider(request)
    after = request.query_params.get("efter") or None
    found = await offers.list_offers(
        principal, PageRequest(PER_PAGE, after), provider_id=provider.id
    )
    day = today()
    ids = [o.id for o in found.items]
    this_year = await pricing.price_lists_by_offer(ids, day.year)
    next_year = await pricing.price_lists_by_offer(ids, day.year + 1)
    return page(
        request,
        "provider/offers.html",
        provider=provider,
        found=found,
        prices={
            o.id: (pricing.latest(this_year[o.id], day.year), next_year[o.id] != [])
            for o in found.items
        },
        year=day.year,
        next_cursor=found.next_after,
    )


def _offer_choices() -> dict[str, Any]:
    return {
        "categories": labels.options(OfferCategory),
        "segments": labels.options(AgeSegment),
        "approvals": labels.options(ApprovalStatus),
        "bases": labels.legal_basis_options(),
        "groups": [(r.code, r.label_da) for r in target_group_records()],
        "service_types": [(r.code, r.label_da) for r in service_type_records()],
        "municipalities": sorted(
            ((m.code, m.name) for m in municipality_records()), key=lambda c: c[1]
        ),
    }


def _offer_form(
    request: Request[Any, Any, Any],
    *,
    offer: OfferView | None,
    shown: dict[str, Any],
    failed: FormInvalid | None = None,
) -> Template:
    return page(
        request,
        "provider/offer_form.html",
        status_code=400 if failed else 200,
        offer=offer,
        values=shown,
        **error_context(failed),
        **_offer_choices(),
    )


def _shown(content: OfferContent) -> dict[str, Any]:
    """An offer's content as the form shows it."""
    data = content.model_dump(mode="json")
    data["methods"] = "\n".join(content.methods)
    return {k: v for k, v in data.items() if v is not None}


async def _submitted(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The offer form's values as the domain reads them, and as the form shows them again."""
    form = await request.form()
    shown: dict[str, Any] = values(form, lists=LISTS, flags=["takes_acute"])
    data = dict(shown)
    data["methods"] = [m.strip() for m in str(data.get("methods", "")).splitlines() if m.strip()]
    for name in OPTIONAL:
        data.setdefault(name, None)
    return data, shown


@get("/udbyder/tilbud/nyt", name="provider_offer_new", guards=[PROVIDER])
async def offer_new(request: Request[Any, Any, Any]) -> Template:
    await _provider(request)
    shown = {"capacity_places": 0, "occupied_places": 0, "approval_status": "not_applied"}
    return _offer_form(request, offer=None, shown=shown)


@post("/udbyder/tilbud/nyt", name="provider_offer_create", guards=[PROVIDER])
async def offer_create(request: Request[Any, Any, Any]) -> Any:
    provider = await _provider(request)
    data, shown = await _submitted(request)
    try:
        made = await offers.create_offer(
            principal_of(request), provider.id, command(OfferContent, data)
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return _offer_form(request, offer=None, shown=shown, failed=failed)
    return Redirect(f"/udbyder/tilbud/{made.id}?gemt=1", status_code=303)


@get("/udbyder/tilbud/{offer_id:uuid}/rediger", name="provider_offer_edit", guards=[PROVIDER])
async def offer_edit(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Template:
    offer = await _managed(request, offer_id)
    return _offer_form(request, offer=offer, shown=_shown(await offers.content_of(offer)))


@post("/udbyder/tilbud/{offer_id:uuid}/rediger", name="provider_offer_update", guards=[PROVIDER])
async def offer_update(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Any:
    offer = await _managed(request, offer_id)
    current = await offers.content_of(offer)
    data, shown = await _submitted(request)
    try:
        # the position is not on the form: it stays unless the municipality changes
        content = command(OfferContent, current.model_dump() | data)
        changes = {
            name: getattr(content, name)
            for name in FORM_FIELDS
            if getattr(content, name) != getattr(current, name)
        }
        if changes:
            await offers.update_offer(principal_of(request), offer_id, changes)
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return _offer_form(request, offer=offer, shown=shown, failed=failed)
    return Redirect(f"/udbyder/tilbud/{offer_id}?gemt=1", status_code=303)


async def _offer_page(
    request: Request[Any, Any, Any],
    offer: OfferView,
    *,
    failed: FormInvalid | None = None,
    warnings: list[str] | None = None,
) -> Template:
    day = today()
    lists = {
        year: pricing.latest((await pricing.price_lists_by_offer([offer.id], year))[offer.id], year)
        for year in (day.year, day.year + 1)
    }
    history = await offers.offer_history(principal_of(request), offer.id, PageRequest(10, None))
    return page(
        request,
        "provider/offer.html",
        status_code=400 if failed else 200,
        offer=offer,
        price_lists=lists,
        history=history.items,
        actions=[
            (to.value, text)
            for to, text in STATUS_ACTIONS.items()
            if to in offers.TRANSITIONS[offer.status]
        ],
        saved=request.query_params.get("gemt") == "1",
        **error_context(failed),
        warnings=warnings or [],
        values={},
    )


@get("/udbyder/tilbud/{offer_id:uuid}", name="provider_offer", guards=[PROVIDER])
async def offer_detail(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Template:
    return await _offer_page(request, await _managed(request, offer_id))


@post("/udbyder/tilbud/{offer_id:uuid}/status", name="provider_offer_status", guards=[PROVIDER])
async def offer_status(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Any:
    offer = await _managed(request, offer_id)
    form = await request.form()
    chosen = str(form.get("til", ""))
    to = next((s for s in STATUS_ACTIONS if s.value == chosen), None)
    try:
        if to is None:
            raise FormInvalid({}, ["Vælg, hvad der skal ske med tilbuddet."])
        await offers.change_status(principal_of(request), offer_id, to, str(form.get("reason", "")))
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _offer_page(request, offer, failed=failed)
    return Redirect(f"/udbyder/tilbud/{offer_id}?gemt=1", status_code=303)


def _price_values(prices: PriceListView) -> dict[str, Any]:
    """A price list as its form shows it (amounts in Danish notation)."""
    shown: dict[str, Any] = {
        "unit": prices.unit.value,
        "base_price": _hundredths(prices.base_price_ore),
        "vat_included": prices.vat_included,
        "accepts_special_arrangements": prices.accepts_special_arrangements,
    }
    if prices.budgeted_occupancy_bp is not None:
        shown["budgeted_occupancy_percent"] = _hundredths(prices.budgeted_occupancy_bp)
    if prices.overhead_bp is not None:
        shown["overhead_percent"] = _hundredths(prices.overhead_bp)
    if prices.notice_days is not None:
        shown["notice_days"] = prices.notice_days
    for i, level in enumerate(prices.levels):
        shown |= {
            f"levels.{i}.name": level.name,
            f"levels.{i}.covers": level.covers,
            f"levels.{i}.price": _hundredths(level.price_ore),
        }
    for i, add_on in enumerate(prices.add_ons):
        shown |= {
            f"add_ons.{i}.name": add_on.name,
            f"add_ons.{i}.description": add_on.description,
            f"add_ons.{i}.unit": add_on.unit.value,
            f"add_ons.{i}.price": _hundredths(add_on.price_ore),
        }
    return shown


def _hundredths(value: int) -> str:
    """Øre as kroner, or basis points as a percentage, the Danish way (``2450,50``)."""
    return f"{value // 100},{value % 100:02d}"


def _rows(shown: dict[str, Any], name: str) -> int:
    """How many rows of ``name`` the form shows: the filled ones and a few empty ones."""
    filled = {int(k.split(".")[1]) for k in shown if k.startswith(f"{name}.")}
    return (max(filled) + 1 if filled else 0) + EXTRA_ROWS


async def _price_form(
    request: Request[Any, Any, Any],
    offer: OfferView,
    year: int,
    *,
    shown: dict[str, Any] | None = None,
    failed: FormInvalid | None = None,
) -> Template:
    versions = (await pricing.price_lists_by_offer([offer.id], year))[offer.id]
    current = pricing.latest(versions, year)
    suggested = None
    if shown is None:
        if current is None:
            earlier = (await pricing.price_lists_by_offer([offer.id], year - 1))[offer.id]
            suggested = pricing.latest(earlier, year - 1)
        base = current or suggested
        shown = _price_values(base) if base else {"unit": "per_day"}
    return page(
        request,
        "provider/prices.html",
        status_code=400 if failed else 200,
        offer=offer,
        year=year,
        current=current,
        suggested=suggested,
        units=labels.options(PriceUnit),
        level_rows=_rows(shown, "levels"),
        add_on_rows=_rows(shown, "add_ons"),
        values=shown,
        **error_context(failed),
    )


def _year(year: int) -> int:
    """Price lists are kept here for this year and next."""
    if year not in (today().year, today().year + 1):
        raise NotFoundException()
    return year


@get(
    "/udbyder/tilbud/{offer_id:uuid}/takster/{year:int}",
    name="provider_prices",
    guards=[PROVIDER],
)
async def prices_edit(
    request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID], year: FromPath[int]
) -> Template:
    return await _price_form(request, await _managed(request, offer_id), _year(year))


@post(
    "/udbyder/tilbud/{offer_id:uuid}/takster/{year:int}",
    name="provider_prices_publish",
    guards=[PROVIDER],
)
async def prices_publish(
    request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID], year: FromPath[int]
) -> Any:
    offer = await _managed(request, offer_id)
    form = await request.form()
    shown = {k: v for k, v in form.items() if not k.startswith("_")}
    data = values(
        form,
        flags=["vat_included", "accepts_special_arrangements"],
        amounts=["base_price", "price", "budgeted_occupancy_percent", "overhead_percent"],
    )
    try:
        published = await pricing.publish_price_list(
            principal_of(request),
            offer_id,
            command(PriceListPublish, {**data, "year": _year(year)}),
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _price_form(request, offer, year, shown=shown, failed=failed)
    if published.warnings:  # advisory rules: the list stands, and the page says what to mind
        texts = [danish.message(ErrorCode.RULE_BROKEN, w.message) for w in published.warnings]
        return await _offer_page(request, await _managed(request, offer_id), warnings=texts)
    return Redirect(f"/udbyder/tilbud/{offer_id}?gemt=1", status_code=303)


ROUTES = [
    offer_list,
    offer_new,
    offer_create,
    offer_edit,
    offer_update,
    offer_detail,
    offer_status,
    prices_edit,
    prices_publish,
]
