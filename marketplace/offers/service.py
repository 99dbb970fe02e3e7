"""The offer catalogue's rules: who sees and changes an offer, and its lifecycle."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.query.methods.select import Select

from marketplace.core.clock import today, utcnow
from marketplace.core.db import fetch_compiled, like_text, lock_row, sync_reference_rows
from marketplace.core.errors import DomainError, DomainErrors, ErrorCode, parse
from marketplace.core.identity import OrgKind, Principal, Role, org_kind
from marketplace.core.pagination import Page, PageRequest, all_of, encode_cursor, paginate
from marketplace.core.rows import rows_as
from marketplace.core.rules import OfferFacts, StatedTerms
from marketplace.core.unit_of_work import write_transaction
from marketplace.core.views import ViewOfRow
from marketplace.offers.models import (
    ApprovalStatus,
    OfferContent,
    OfferEventView,
    OfferRelations,
    OfferStatus,
    OfferView,
)
from marketplace.offers.places import contracted_peak
from marketplace.offers.tables import (
    Offer,
    OfferEvent,
    OfferLegalBasis,
    OfferMethod,
    OfferServiceType,
    OfferTargetGroup,
    PriceList,
    ServiceType,
    TargetGroup,
)
from marketplace.offers.taxonomy import (
    METHOD_SUGGESTIONS,
    LegalBasis,
    SupervisingAuthority,
    service_type_records,
    target_group_records,
)
from marketplace.organisations import service as organisations
from marketplace.organisations.models import MunicipalityView, ProviderView
from marketplace.organisations.reference import region_of
from marketplace.organisations.tables import Municipality, OwnerType
from marketplace.organisations.tables import Provider as ProviderTable

# Lifecycle: draft -> published -> suspended -> published ...; any -> closed (final).
TRANSITIONS: dict[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.DRAFT: frozenset({OfferStatus.PUBLISHED, OfferStatus.CLOSED}),
    OfferStatus.PUBLISHED: frozenset({OfferStatus.SUSPENDED, OfferStatus.CLOSED}),
    OfferStatus.SUSPENDED: frozenset({OfferStatus.PUBLISHED, OfferStatus.CLOSED}),
    OfferStatus.CLOSED: frozenset(),
}
_EVENT_KIND = {
    OfferStatus.PUBLISHED: "published",
    OfferStatus.SUSPENDED: "suspended",
    OfferStatus.CLOSED: "closed",
}
_OPERATION = {
    OfferStatus.PUBLISHED: "offerPublish",
    OfferStatus.SUSPENDED: "offerSuspend",
    OfferStatus.CLOSED: "offerClose",
}
_NOT_FOUND = "There is no such offer."


# --- taxonomies ----------------------------------------------------------------------------


async def load_taxonomies() -> tuple[int, int]:
    """Insert or correct the target groups and service types; return how many changed."""
    async with write_transaction():
        groups = await sync_reference_rows(
            TargetGroup,
            [
                {
                    "code": r.code,
                    "label_da": r.label_da,
                    "label_en": r.label_en,
                    "group_da": r.group_da,
                    "parent_label_da": r.parent_label_da,
                    "position": r.position,
                }
                for r in target_group_records()
            ],
        )
        types = await sync_reference_rows(
            ServiceType,
            [
                {
                    "code": r.code,
                    "label_da": r.label_da,
                    "label_en": r.label_en,
                    "position": r.position,
                }
                for r in service_type_records()
            ],
        )
    return groups, types


async def list_target_groups() -> list[dict[str, Any]]:
    return await TargetGroup.select().order_by(TargetGroup.position).run()


async def target_groups_by_code(codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not codes:
        return {}
    rows = await TargetGroup.select().where(TargetGroup.code.is_in(list(codes))).run()
    return {row["code"]: row for row in rows}


async def list_service_types() -> list[dict[str, Any]]:
    return await ServiceType.select().order_by(ServiceType.position).run()


async def service_types_by_code(codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not codes:
        return {}
    rows = await ServiceType.select().where(ServiceType.code.is_in(list(codes))).run()
    return {row["code"]: row for row in rows}


async def method_suggestions(prefix: str, limit: int) -> list[str]:
    """Known methods starting with ``prefix`` (case-insensitive): the curated list first,
    then terms providers already use."""
    key = prefix.strip().casefold()
    found = {t.casefold(): t for t in METHOD_SUGGESTIONS if t.casefold().startswith(key)}
    query = OfferMethod.select(OfferMethod.term, OfferMethod.term_key).distinct()
    if key:
        query = query.where(OfferMethod.term_key.like(f"{like_text(key)}%"))
    for row in await query.order_by(OfferMethod.term_key).limit(limit * 2).run():
        found.setdefault(row["term_key"], row["term"])
    return sorted(found.values(), key=str.casefold)[:limit]


# --- reading -------------------------------------------------------------------------------


_OFFER_COLUMNS: tuple[Any, ...] = (
    *Offer.all_columns(),
    Offer.provider._.org_code.as_alias("provider_org_code"),
)


# A list's page with each offer's provider and municipality from the same statement (its
# own join): the columns of both, named ``provider__<column>`` and ``municipality__<column>``
_PROVIDER_KEYS = tuple(
    ("provider__" + c._meta.name, c._meta.name) for c in ProviderTable.all_columns()
)
_MUNICIPALITY_KEYS = tuple(
    ("municipality__" + c._meta.name, c._meta.name) for c in Municipality.all_columns()
)
_LISTED_COLUMNS: tuple[Any, ...] = (
    *_OFFER_COLUMNS,
    *(getattr(Offer.provider._, name).as_alias(key) for key, name in _PROVIDER_KEYS),
    *(getattr(Offer.municipality._, name).as_alias(key) for key, name in _MUNICIPALITY_KEYS),
)


@dataclass(frozen=True, slots=True)
class ListedOffer:
    """An offer of a list with its provider and its municipality (None: it has none)."""

    offer: OfferView
    provider: ProviderView
    municipality: MunicipalityView | None


def _part(row: Mapping[str, Any], keys: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {name: row[key] for key, name in keys}


def _listed(rows: Sequence[Mapping[str, Any]]) -> list[ListedOffer]:
    """The page's rows as offers with their provider and municipality, each provider and
    municipality made once."""
    providers: dict[Any, ProviderView] = {}
    municipalities: dict[Any, MunicipalityView] = {}
    listed: list[ListedOffer] = []
    for row in rows:
        provider = providers.get(row["provider"])
        if provider is None:
            provider = ProviderView.from_row(_part(row, _PROVIDER_KEYS))
            providers[row["provider"]] = provider
        code = row["municipality"]
        municipality = municipalities.get(code) if code is not None else None
        if code is not None and municipality is None:
            municipality = organisations.municipality_view(_part(row, _MUNICIPALITY_KEYS))
            municipalities[code] = municipality
        listed.append(ListedOffer(_view(row), provider, municipality))
    return listed


_view = ViewOfRow(OfferView, {"provider_id": "provider", "municipality_code": "municipality"})


def visible_to(principal: Principal) -> Combinable | None:
    """Published offers are public; the owner (and the registry admin) see every status."""
    if principal.is_registry_admin:
        return None
    published = Offer.status == OfferStatus.PUBLISHED.value
    if _published_only(principal):
        return published
    return published | (Offer.provider._.org_code == principal.org_code)


_OWNER_BY_KIND = {
    OrgKind.MUNICIPALITY: OwnerType.MUNICIPAL,
    OrgKind.REGION: OwnerType.REGIONAL,
    OrgKind.PRIVATE: OwnerType.PRIVATE,
}


def rule_facts(
    offer: OfferView,
    legal_bases: Sequence[LegalBasis],
    *,
    stated: StatedTerms | None = None,
    basis: str | None = None,
) -> OfferFacts:
    """What the regional rules need to know of an offer: its region (by its municipality,
    reference data), its owner type (by the form of its provider's organisation code)."""
    return OfferFacts(
        offer_id=offer.id,
        region_code=region_of(offer.municipality_code),
        category=offer.category.value,
        legal_bases=tuple(b.value for b in legal_bases),
        owner_type=_OWNER_BY_KIND[org_kind(offer.provider_org_code)].value,
        stated=stated or StatedTerms(),
        legal_basis=basis,
        takes_acute=offer.takes_acute,
    )


def can_manage(principal: Principal, provider_org_code: str) -> bool:
    if principal.is_registry_admin:
        return True
    return principal.role is Role.PROVIDER_ADMIN and principal.org_code == provider_org_code


async def offers_by_id(
    principal: Principal, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, OfferView]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = None
    if _published_only(principal):  # a visitor's or a purchaser's (a search's offers)
        published = OfferStatus.PUBLISHED.value
        rows = await fetch_compiled(
            "published offers by id",
            lambda: _offers_select((Offer.id == wanted[0]) & (Offer.status == published)),
            [wanted, published],
            any_of=True,
        )
    if rows is None:
        condition: Combinable = Offer.id.is_in(wanted)
        visibility = visible_to(principal)
        if visibility is not None:
            condition = condition & visibility
        rows = await _offers_select(condition).run()
    return {view.id: view for view in map(_view, rows)}


def _offers_select(condition: Combinable) -> Select:
    return Offer.select(*_OFFER_COLUMNS).where(condition).output(load_json=True)


async def get_offer(principal: Principal, offer_id: uuid.UUID) -> OfferView | None:
    return (await offers_by_id(principal, [offer_id])).get(offer_id)


async def list_offers(
    principal: Principal,
    page: PageRequest,
    *,
    provider_id: uuid.UUID | None = None,
    status: OfferStatus | None = None,
    region_code: str | None = None,
) -> Page[OfferView]:
    rows = await _offer_page(
        principal,
        page,
        ("published", _OFFER_COLUMNS),
        provider_id=provider_id,
        status=status,
        region_code=region_code,
    )
    return rows.map(_view)


async def list_listed_offers(
    principal: Principal,
    page: PageRequest,
    *,
    provider_id: uuid.UUID | None = None,
    status: OfferStatus | None = None,
    region_code: str | None = None,
) -> Page[ListedOffer]:
    """``list_offers`` with each offer's provider and municipality, read in the same
    statement."""
    rows = await _offer_page(
        principal,
        page,
        ("published, listed", _LISTED_COLUMNS),
        provider_id=provider_id,
        status=status,
        region_code=region_code,
    )
    return rows.with_items(_listed(rows.items))


async def _offer_page(
    principal: Principal,
    page: PageRequest,
    columns: tuple[str, tuple[Any, ...]],
    *,
    provider_id: uuid.UUID | None,
    status: OfferStatus | None,
    region_code: str | None,
) -> Page[dict[str, Any]]:
    """A page of the offers ``principal`` sees, as rows of ``columns`` (a name, under which
    the published-only first page's SQL is made once, and the columns)."""
    conditions = [visible_to(principal)]
    plain = len(conditions) == 1 and not (provider_id or status or region_code)
    if provider_id is not None:
        conditions.append(Offer.provider == provider_id)
    if status is not None:
        conditions.append(Offer.status == status.value)
    if region_code is not None:
        await organisations.require_region(region_code, ["region_code"])
        conditions.append(Offer.municipality._.region == region_code)
    return await paginate(
        Offer,
        where=all_of(conditions),
        order_by=[Offer.name_key, Offer.id],
        page=page,
        columns=columns[1],
        load_json=True,
        # published offers only (a visitor's, a purchaser's): the hot read, named by its
        # columns' name
        shape=(columns[0], [OfferStatus.PUBLISHED.value])
        if plain and _published_only(principal)
        else None,
    )


def _published_only(principal: Principal) -> bool:
    """Whether ``principal`` sees published offers only (a visitor, a purchaser): not the
    registry admin, not a provider admin (who sees the own offers in any status)."""
    return not principal.is_registry_admin and not (
        principal.role is Role.PROVIDER_ADMIN and principal.org_code
    )


@dataclass(frozen=True, slots=True)
class _LegalBasisLink:
    offer: uuid.UUID
    legal_basis: str


@dataclass(frozen=True, slots=True)
class _ServiceTypeLink:
    offer: uuid.UUID
    service_type: str
    position: int


@dataclass(frozen=True, slots=True)
class _TargetGroupLink:
    offer: uuid.UUID
    target_group: str
    is_primary: bool
    position: int


@dataclass(frozen=True, slots=True)
class _MethodLink:
    offer: uuid.UUID
    term: str


async def legal_bases_by_offer(offer_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[LegalBasis]]:
    bases: dict[uuid.UUID, list[LegalBasis]] = defaultdict(list)
    for link in rows_as(
        _LegalBasisLink,
        await OfferLegalBasis.select()
        .where(OfferLegalBasis.offer.is_in(list(offer_ids)))
        .order_by(OfferLegalBasis.legal_basis)
        .run(),
    ):
        bases[link.offer].append(LegalBasis(link.legal_basis))
    return bases


async def relations_by_offer(offer_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, OfferRelations]:
    """The link-table lists of many offers: four statements, whatever the number of offers."""
    ids = list(offer_ids)
    if not ids:
        return {}
    bases = await legal_bases_by_offer(ids)
    types: dict[uuid.UUID, list[tuple[int, str]]] = defaultdict(list)
    for service_type in rows_as(
        _ServiceTypeLink,
        await OfferServiceType.select(
            OfferServiceType.offer,
            OfferServiceType.service_type,
            OfferServiceType.service_type._.position.as_alias("position"),
        )
        .where(OfferServiceType.offer.is_in(ids))
        .run(),
    ):
        types[service_type.offer].append((service_type.position, service_type.service_type))
    groups: dict[uuid.UUID, list[tuple[bool, int, str]]] = defaultdict(list)
    for group in rows_as(
        _TargetGroupLink,
        await OfferTargetGroup.select(
            OfferTargetGroup.offer,
            OfferTargetGroup.target_group,
            OfferTargetGroup.is_primary,
            OfferTargetGroup.target_group._.position.as_alias("position"),
        )
        .where(OfferTargetGroup.offer.is_in(ids))
        .run(),
    ):
        groups[group.offer].append((not group.is_primary, group.position, group.target_group))
    methods: dict[uuid.UUID, list[str]] = defaultdict(list)
    for method in rows_as(
        _MethodLink,
        await OfferMethod.select()
        .where(OfferMethod.offer.is_in(ids))
        .order_by(OfferMethod.term_key)
        .run(),
    ):
        methods[method.offer].append(method.term)
    result = {}
    for offer_id in ids:
        ordered_groups = sorted(groups[offer_id])
        primary = [code for not_primary, _, code in ordered_groups if not not_primary]
        result[offer_id] = OfferRelations(
            legal_bases=bases[offer_id],
            service_types=[code for _, code in sorted(types[offer_id])],
            target_groups=[code for _, _, code in ordered_groups],
            primary_target_group=primary[0] if primary else None,
            methods=methods[offer_id],
        )
    return result


# Changes the agreement registry makes to an offer (a special condition, a unique offer's
# status): like the registry itself, they are read by signed-in users only.
REGISTRY_EVENTS = ("special_condition_approved", "unique_status")


def _history_of(principal: Principal, condition: Combinable) -> Combinable:
    if principal.is_authenticated:
        return condition
    return condition & OfferEvent.kind.not_in(list(REGISTRY_EVENTS))


def _event_view(principal: Principal, row: dict[str, Any]) -> OfferEventView:
    """An event; who made it (a token's subject, often a person's login) is shown only to the
    organisation that made it and to the registry administrator."""
    view = OfferEventView.model_validate(row)
    if principal.is_registry_admin or (
        row["actor_org"] is not None and row["actor_org"] == principal.org_code
    ):
        return view
    return view.model_copy(update={"actor": None})


async def offer_history(
    principal: Principal, offer_id: uuid.UUID, page: PageRequest
) -> Page[OfferEventView]:
    """The offer's changes, oldest first (the caller has already seen the offer)."""
    rows = await paginate(
        OfferEvent,
        where=_history_of(principal, OfferEvent.offer == offer_id),
        order_by=[OfferEvent.at, OfferEvent.id],
        page=page,
        load_json=True,
    )
    return rows.map(lambda row: _event_view(principal, row))


async def first_history_pages(
    principal: Principal, offer_ids: Sequence[uuid.UUID], first: int
) -> dict[uuid.UUID, Page[OfferEventView]]:
    """The whole history of several offers in one statement, as pages to cut with ``head``.

    For list views that show each offer's latest changes without a query per offer.
    """
    pages: dict[uuid.UUID, Page[OfferEventView]] = {i: Page.empty() for i in offer_ids}
    if not offer_ids:
        return pages
    rows = (
        await OfferEvent.select()
        .where(_history_of(principal, OfferEvent.offer.is_in(list(offer_ids))))
        .order_by(OfferEvent.at, OfferEvent.id)
        .output(load_json=True)
        .run()
    )
    for row in rows:
        page = pages[row["offer"]]
        page.items.append(_event_view(principal, row))
        page.cursors.append(encode_cursor([row["at"], row["id"]]))
        page.total_count += 1
    return pages


# --- writing -------------------------------------------------------------------------------


async def _check_references(content: OfferContent) -> None:
    """Codes a command names must exist."""
    groups = await target_groups_by_code(content.target_groups)
    unknown = [c for c in content.target_groups if c not in groups]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Unknown target group code(s): {', '.join(unknown)}.",
            ["target_groups"],
        )
    types = await service_types_by_code(content.service_types)
    unknown = [c for c in content.service_types if c not in types]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Unknown service type code(s): {', '.join(unknown)}.",
            ["service_types"],
        )
    if content.municipality_code is not None:
        await organisations.require_municipality(content.municipality_code, ["municipality_code"])


async def _placed(content: OfferContent) -> OfferContent:
    """An address without coordinates is placed at its municipality's seat."""
    if content.municipality_code is None or content.latitude is not None:
        return content
    municipality = await organisations.get_municipality(content.municipality_code)
    if municipality is None:
        return content
    return content.model_copy(
        update={"latitude": municipality.latitude, "longitude": municipality.longitude}
    )


def offer_columns(content: OfferContent) -> dict[str, Any]:
    data = content.model_dump(
        exclude={
            "legal_bases",
            "service_types",
            "target_groups",
            "primary_target_group",
            "methods",
            "municipality_code",
        },
        mode="python",
    )
    data["municipality"] = content.municipality_code
    data["name_key"] = content.name.casefold()
    data["special_conditions"] = [c.value for c in content.special_conditions]
    for key, value in data.items():
        if hasattr(value, "value") and not isinstance(value, list):
            data[key] = value.value
    return data


async def _write_relations(offer_id: uuid.UUID, content: OfferContent, lists: set[str]) -> None:
    if "legal_bases" in lists:
        await OfferLegalBasis.delete().where(OfferLegalBasis.offer == offer_id).run()
        if content.legal_bases:
            await OfferLegalBasis.insert(
                *(OfferLegalBasis(offer=offer_id, legal_basis=b.value) for b in content.legal_bases)
            ).run()
    if "service_types" in lists:
        await OfferServiceType.delete().where(OfferServiceType.offer == offer_id).run()
        if content.service_types:
            await OfferServiceType.insert(
                *(OfferServiceType(offer=offer_id, service_type=c) for c in content.service_types)
            ).run()
    if lists & {"target_groups", "primary_target_group"}:
        await OfferTargetGroup.delete().where(OfferTargetGroup.offer == offer_id).run()
        if content.target_groups:
            await OfferTargetGroup.insert(
                *(
                    OfferTargetGroup(
                        offer=offer_id,
                        target_group=code,
                        is_primary=code == content.primary_target_group,
                    )
                    for code in content.target_groups
                )
            ).run()
    if "methods" in lists:
        await OfferMethod.delete().where(OfferMethod.offer == offer_id).run()
        if content.methods:
            await OfferMethod.insert(
                *(
                    OfferMethod(offer=offer_id, term=t, term_key=t.casefold())
                    for t in content.methods
                )
            ).run()


async def _record(
    offer_id: uuid.UUID,
    principal: Principal,
    kind: str,
    *,
    reason: str = "",
    detail: str = "",
    fields: Sequence[str] = (),
    from_status: OfferStatus | None = None,
    to_status: OfferStatus | None = None,
) -> None:
    await OfferEvent.insert(
        OfferEvent(
            id=uuid.uuid4(),
            offer=offer_id,
            at=utcnow(),
            kind=kind,
            reason=reason,
            detail=detail,
            actor=principal.subject or "anonymous",
            actor_org=principal.org_code if principal.org_code != "system" else None,
            fields=list(fields),
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
        )
    ).run()


async def _provider_for(principal: Principal, provider_id: uuid.UUID) -> str:
    principal.require(Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)
    provider = await organisations.get_provider(provider_id)
    if provider is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such provider.", ["provider_id"])
    if not can_manage(principal, provider.org_code):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the provider's own administrators may add offers to it.",
            ["provider_id"],
        )
    return provider.org_code


async def create_offer(
    principal: Principal, provider_id: uuid.UUID, content: OfferContent
) -> OfferView:
    """Create a draft offer for a provider the caller administers."""
    await _provider_for(principal, provider_id)
    await _check_references(content)
    content = await _placed(content)
    offer_id = uuid.uuid4()
    now = utcnow()
    async with write_transaction(principal, "offerCreate") as unit:
        await Offer.insert(
            Offer(
                id=offer_id,
                provider=provider_id,
                status=OfferStatus.DRAFT.value,
                created_at=now,
                updated_at=now,
                **offer_columns(content),
            )
        ).run()
        await _write_relations(
            offer_id, content, {"legal_bases", "service_types", "target_groups", "methods"}
        )
        await _record(offer_id, principal, "created", to_status=OfferStatus.DRAFT)
        unit.touch_offer(offer_id, text=True)
        created = await unit.track(
            "Offer", offer_id, partial(get_offer, principal, offer_id), new=True
        )
    return created.result


async def managed_offer(principal: Principal, offer_id: uuid.UUID) -> OfferView:
    """The offer, if the caller may change it; "not found" if they may not even see it."""
    principal.require(Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)
    offer = await get_offer(principal, offer_id)
    if offer is None:
        raise DomainError(ErrorCode.NOT_FOUND, _NOT_FOUND, ["id"])
    if not can_manage(principal, offer.provider_org_code):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the provider's own administrators may change its offers.",
            ["id"],
        )
    return offer


async def content_of(offer: OfferView) -> OfferContent:
    relations = (await relations_by_offer([offer.id]))[offer.id]
    data = offer.model_dump()
    data.update(relations.model_dump())
    fields = OfferContent.model_fields
    return OfferContent.model_validate({k: v for k, v in data.items() if k in fields})


async def update_offer(
    principal: Principal, offer_id: uuid.UUID, changes: Mapping[str, Any]
) -> OfferView:
    """Change an offer's content. A published offer must still meet the publishing rules."""
    async with write_transaction(principal, "offerUpdate") as unit:
        offer = await managed_offer(principal, offer_id)
        updated = await unit.track(
            "Offer", offer_id, partial(get_offer, principal, offer_id), before=offer
        )
        if offer.status is OfferStatus.CLOSED:
            raise DomainError(ErrorCode.INVALID, "A closed offer cannot change.", ["id"])
        current = await content_of(offer)
        merged = current.model_dump() | dict(changes)
        if "target_groups" in changes and "primary_target_group" not in changes:
            merged["primary_target_group"] = (
                current.primary_target_group
                if current.primary_target_group in (changes["target_groups"] or [])
                else None
            )
        content = parse(OfferContent, merged)
        await _check_references(content)
        if {"municipality_code"} & set(changes) and "latitude" not in changes:
            content = await _placed(
                content.model_copy(update={"latitude": None, "longitude": None})
            )
        if offer.status is OfferStatus.PUBLISHED:
            problems = await publish_problems(offer.id, content, today())
            if problems:
                raise DomainErrors(problems)
        if {"capacity_places", "occupied_places"} & set(changes):
            await _places_still_cover_contracts(offer_id, content)
        changed = sorted(
            k for k in changes if getattr(current, k, None) != getattr(content, k, None)
        )
        if not changed:
            return offer
        columns = offer_columns(content)
        values: dict[Column | str, Any] = {
            Offer._meta.get_column_by_name(k): v for k, v in columns.items()
        }
        values[Offer.updated_at] = utcnow()
        await Offer.update(values).where(Offer.id == offer_id).run()
        await _write_relations(offer_id, content, set(changed))
        await _record(offer_id, principal, "updated", fields=changed)
        text = bool(set(changed) & {"name", "description", "target_groups", "methods"})
        unit.touch_offer(offer_id, text=text)
    return updated.result


async def _places_still_cover_contracts(offer_id: uuid.UUID, content: OfferContent) -> None:
    """Fewer places, or more declared in use, must still leave room for every contract."""
    await lock_row(Offer, offer_id)  # acceptances on the offer wait for this change
    day = today()
    contracted = await contracted_peak(offer_id, day)
    if content.occupied_places + contracted > content.capacity_places:
        raise DomainError(
            ErrorCode.INVALID,
            f"{contracted} place(s) are under contract from today on: the places must cover "
            "them and the places declared in use.",
            ["capacity_places"],
        )


async def publish_problems(
    offer_id: uuid.UUID, content: OfferContent, on: datetime.date
) -> list[DomainError]:
    """What stands between an offer and publication, each tied to the offer's field."""
    problems = []

    def problem(field: str, message: str) -> None:
        problems.append(DomainError(ErrorCode.INVALID, message, [field], of_command=False))

    if len(content.description) < 20:
        problem("description", "Describe what the base price covers (at least 20 characters).")
    if not content.target_groups:
        problem("target_groups", "Name at least one target group.")
    if not content.legal_bases:
        problem("legal_bases", "Name at least one legal basis.")
    if content.municipality_code is None or content.latitude is None:
        problem("municipality_code", "Give the offer's address and municipality.")
    if content.capacity_places <= 0:
        problem("capacity_places", "Give the number of places the offer has.")
    if (
        content.supervising_authority is SupervisingAuthority.SOCIALTILSYN
        and content.approval_status is not ApprovalStatus.APPROVED
    ):
        problem(
            "approval_status",
            "The socialtilsyn supervises this offer: it must be approved before it is published.",
        )
    has_prices = (
        await PriceList.exists()
        .where((PriceList.offer == offer_id) & (PriceList.year == on.year))
        .run()
    )
    if not has_prices:
        problem("price_list", f"Publish a price list for {on.year} first.")
    return problems


async def change_status(
    principal: Principal, offer_id: uuid.UUID, to: OfferStatus, reason: str
) -> OfferView:
    """Publish, suspend or close an offer; every change carries a reason."""
    if len(reason.strip()) < 3:
        raise DomainError(ErrorCode.REQUIRED, "Give a reason for the change.", ["reason"])
    async with write_transaction(principal, _OPERATION[to]) as unit:
        offer = await managed_offer(principal, offer_id)
        changed = await unit.track(
            "Offer", offer_id, partial(get_offer, principal, offer_id), before=offer
        )
        if to not in TRANSITIONS[offer.status]:
            raise DomainError(
                ErrorCode.INVALID,
                f"A {offer.status.value} offer cannot be {to.value}.",
                ["id"],
            )
        if to is OfferStatus.PUBLISHED:
            problems = await publish_problems(offer.id, await content_of(offer), today())
            if problems:
                raise DomainErrors(problems)
        values: dict[Column | str, Any] = {Offer.status: to.value, Offer.updated_at: utcnow()}
        if to is OfferStatus.PUBLISHED and offer.published_at is None:
            values[Offer.published_at] = utcnow()
        await Offer.update(values).where(Offer.id == offer_id).run()
        await _record(
            offer_id,
            principal,
            _EVENT_KIND[to],
            reason=reason.strip(),
            from_status=offer.status,
            to_status=to,
        )
        unit.touch_offer(offer_id)
    return changed.result


async def record_event(
    offer_id: uuid.UUID, principal: Principal, kind: str, *, reason: str, detail: str
) -> None:
    """For other parts of the catalogue (price lists) to write the offer's history."""
    await _record(offer_id, principal, kind, reason=reason, detail=detail)
