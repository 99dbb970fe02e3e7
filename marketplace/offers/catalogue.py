"""The public catalogue for open exchange formats: published offers and their providers,
filtered and paged by page number (the way HSDS and other open feeds page), with what
changed since a moment.

Reads only what anyone may read (published offers, the providers that run them). A fixed
number of statements per page, whatever its size: the page, its count, then each relation in
one statement for the whole page (see ``relations_by_offer`` and ``price_lists_by_offer``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from piccolo.columns.combination import Combinable
from piccolo.query.functions.aggregate import Count

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.pagination import MAX_PAGE_SIZE, all_of
from marketplace.offers import bulk, pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus, OfferView
from marketplace.offers.service import _OFFER_COLUMNS, _view
from marketplace.offers.tables import (
    Offer,
    OfferLegalBasis,
    OfferServiceType,
    OfferTargetGroup,
    PriceList,
)
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderView
from marketplace.organisations.tables import Provider

DEFAULT_PER_PAGE = 20
# 100,000 pages of at most 100: past any catalogue, and an offset every database can hold
MAX_PAGE_NUMBER = 100_000
MIN_YEAR, MAX_YEAR = 2000, 2100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageNumber:
    """A page by its number (1 to ``MAX_PAGE_NUMBER``) and size (1 to ``MAX_PAGE_SIZE``)."""

    number: int = 1
    size: int = DEFAULT_PER_PAGE

    @classmethod
    def of(cls, number: int | None, size: int | None) -> PageNumber:
        page = cls(number or 1, DEFAULT_PER_PAGE if size is None else size)
        if not 1 <= page.number <= MAX_PAGE_NUMBER:
            raise DomainError(
                ErrorCode.INVALID,
                f"`page` counts from 1 to {MAX_PAGE_NUMBER:,}; asked for {page.number}.",
                ["page"],
            )
        if not 1 <= page.size <= MAX_PAGE_SIZE:
            raise DomainError(
                ErrorCode.INVALID,
                f"`per_page` must be between 1 and {MAX_PAGE_SIZE}; asked for {page.size}.",
                ["per_page"],
            )
        return page

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True, slots=True)
class Numbered(Generic[T]):
    items: list[T]
    total: int
    page: PageNumber


@dataclass(frozen=True, slots=True)
class OfferFilter:
    """What a caller narrows the published offers by; every part optional."""

    search: str | None = None
    provider_id: uuid.UUID | None = None
    target_groups: Sequence[str] = field(default_factory=tuple)
    service_types: Sequence[str] = field(default_factory=tuple)
    legal_bases: Sequence[str] = field(default_factory=tuple)
    modified_after: datetime.datetime | None = None
    region_code: str | None = None


def _like(text: str) -> str:
    """A case-folded LIKE pattern that matches ``text`` anywhere, with its wildcards escaped
    away (searching for "50%" finds "50%", not "50" followed by anything)."""
    folded = text.casefold().strip().replace("%", "").replace("_", "")
    return f"%{folded}%"


def _changed_since(moment: datetime.datetime) -> Combinable:
    """Offers changed on or after ``moment``: their content, or a new price list version."""
    priced = PriceList.select(PriceList.offer).where(PriceList.published_at >= moment)
    return (Offer.updated_at >= moment) | Offer.id.is_in(priced)


def _conditions(wanted: OfferFilter) -> Combinable:
    conditions: list[Combinable | None] = [Offer.status == OfferStatus.PUBLISHED.value]
    if wanted.search and _like(wanted.search) != "%%":
        conditions.append(Offer.name_key.like(_like(wanted.search)))
    if wanted.provider_id is not None:
        conditions.append(Offer.provider == wanted.provider_id)
    if wanted.target_groups:
        groups = OfferTargetGroup.select(OfferTargetGroup.offer).where(
            OfferTargetGroup.target_group.is_in(list(wanted.target_groups))
        )
        conditions.append(Offer.id.is_in(groups))
    if wanted.service_types:
        types = OfferServiceType.select(OfferServiceType.offer).where(
            OfferServiceType.service_type.is_in(list(wanted.service_types))
        )
        conditions.append(Offer.id.is_in(types))
    if wanted.legal_bases:
        bases = OfferLegalBasis.select(OfferLegalBasis.offer).where(
            OfferLegalBasis.legal_basis.is_in(list(wanted.legal_bases))
        )
        conditions.append(Offer.id.is_in(bases))
    if wanted.modified_after is not None:
        conditions.append(_changed_since(wanted.modified_after))
    if wanted.region_code is not None:
        conditions.append(Offer.municipality._.region == wanted.region_code)
    where = all_of(conditions)
    assert where is not None
    return where


async def published_offers(wanted: OfferFilter, page: PageNumber) -> Numbered[OfferView]:
    """One page of the published offers that match, by name (two statements)."""
    where = _conditions(wanted)
    counted = await Offer.select(Count(Offer.id, alias="n")).where(where).first().run()
    rows = (
        await Offer.select(*_OFFER_COLUMNS)
        .where(where)
        .order_by(Offer.name_key)
        .order_by(Offer.id)
        .limit(page.size)
        .offset(page.offset)
        .output(load_json=True)
        .run()
    )
    return Numbered([_view(row) for row in rows], int(counted["n"]) if counted else 0, page)


async def published_offer(offer_id: uuid.UUID) -> OfferView | None:
    row = (
        await Offer.select(*_OFFER_COLUMNS)
        .where((Offer.id == offer_id) & (Offer.status == OfferStatus.PUBLISHED.value))
        .output(load_json=True)
        .first()
        .run()
    )
    return _view(row) if row else None


async def published_offer_ids() -> list[uuid.UUID]:
    """The IDs of every published offer (one statement)."""
    rows = await Offer.select(Offer.id).where(Offer.status == OfferStatus.PUBLISHED.value).run()
    return [row["id"] for row in rows]


def _running(
    search: str | None, modified_after: datetime.datetime | None, provider_id: uuid.UUID | None
) -> Combinable:
    published = Offer.select(Offer.provider).where(Offer.status == OfferStatus.PUBLISHED.value)
    conditions: list[Combinable | None] = [Provider.id.is_in(published)]
    if search and _like(search) != "%%":
        conditions.append(Provider.name_key.like(_like(search)))
    if modified_after is not None:
        conditions.append(Provider.updated_at >= modified_after)
    if provider_id is not None:
        conditions.append(Provider.id == provider_id)
    where = all_of(conditions)
    assert where is not None
    return where


async def offering_providers(
    page: PageNumber,
    *,
    search: str | None = None,
    modified_after: datetime.datetime | None = None,
    provider_id: uuid.UUID | None = None,
) -> Numbered[ProviderView]:
    """One page of the providers with at least one published offer, by name."""
    where = _running(search, modified_after, provider_id)
    counted = await Provider.select(Count(Provider.id, alias="n")).where(where).first().run()
    rows = (
        await Provider.select()
        .where(where)
        .order_by(Provider.name_key)
        .order_by(Provider.id)
        .limit(page.size)
        .offset(page.offset)
        .run()
    )
    return Numbered(
        [ProviderView.from_row(row) for row in rows], int(counted["n"]) if counted else 0, page
    )


async def all_published(wanted: OfferFilter) -> list[OfferView]:
    """Every published offer that matches, by name (one statement)."""
    rows = (
        await Offer.select(*_OFFER_COLUMNS)
        .where(_conditions(wanted))
        .order_by(Offer.name_key)
        .order_by(Offer.id)
        .output(load_json=True)
        .run()
    )
    return [_view(row) for row in rows]


async def region_catalogue(region_code: str, year: int) -> list[bulk.CatalogueEntry]:
    """A region's price catalogue (takstkatalog) for a year: its published offers (by the
    municipality they lie in) with the newest version of the year's price list, by name.
    A fixed number of statements, whatever the number of offers."""
    await organisations.require_region(region_code, ["region_code"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            ErrorCode.INVALID, f"Give a year from {MIN_YEAR} to {MAX_YEAR}.", ["year"]
        )
    found = await all_published(OfferFilter(region_code=region_code))
    ids = [o.id for o in found]
    prices = await pricing.price_lists_by_offer(ids, year)
    relations = await offers.relations_by_offer(ids)
    providers = await organisations.providers_by_id({o.provider_id for o in found})
    entries = []
    for offer in found:
        price_list = pricing.latest(prices.get(offer.id, []), year)
        if price_list is not None:
            entries.append(
                bulk.CatalogueEntry(
                    offer, relations[offer.id], providers[offer.provider_id], price_list
                )
            )
    return entries
