"""The offer catalogue's rules, through its services."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from marketplace.core.clock import today
from marketplace.core.errors import DomainError, DomainErrors, ErrorCode, parse
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferContent, OfferStatus, supervising_authority
from marketplace.offers.tables import Offer, OfferEvent
from marketplace.offers.taxonomy import (
    LegalBasis,
    SupervisingAuthority,
    legal_bases,
    service_type_records,
)
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderView
from tests.factories import (
    REGISTRY_ADMIN,
    admin_of,
    municipal_provider,
    offer_content,
    price_list,
    private_provider,
)

PURCHASER = Principal(subject="test:purchaser", org_code="851", role=Role.PURCHASER)


@pytest.fixture
async def provider() -> ProviderView:
    return await organisations.create_provider(REGISTRY_ADMIN, private_provider())


@pytest.fixture
def owner(provider: ProviderView) -> Principal:
    return admin_of(provider.org_code)


async def _publishable(owner: Principal, provider: ProviderView, **overrides: Any) -> uuid.UUID:
    offer = await offers.create_offer(owner, provider.id, offer_content(**overrides))
    await pricing.publish_price_list(owner, offer.id, price_list(today().year))
    return offer.id


def _fields(error: DomainError) -> set[tuple[str, ...]]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return {tuple(e.field or ()) for e in errors}


# --- creating and reading ------------------------------------------------------------------


async def test_a_provider_admin_creates_a_draft_offer(
    owner: Principal, provider: ProviderView
) -> None:
    offer = await offers.create_offer(owner, provider.id, offer_content())
    assert offer.status is OfferStatus.DRAFT
    assert offer.provider_org_code == provider.org_code
    assert (offer.capacity_places, offer.occupied_places) == (12, 10)
    relations = (await offers.relations_by_offer([offer.id]))[offer.id]
    assert relations.legal_bases == [LegalBasis.SEL_104, LegalBasis.SEL_108]
    assert relations.primary_target_group == relations.target_groups[0]
    assert relations.methods == ["KRAP", "Low Arousal"]
    horsens = await organisations.get_municipality("615")
    assert horsens is not None and offer.latitude == horsens.latitude  # placed at the seat
    [event] = await OfferEvent.select().run()
    assert (event["kind"], event["to_status"]) == ("created", "draft")


@pytest.mark.parametrize(
    ("principal", "code"),
    [
        (Principal.anonymous(), ErrorCode.UNAUTHENTICATED),
        (PURCHASER, ErrorCode.PERMISSION_DENIED),
        (admin_of("851"), ErrorCode.PERMISSION_DENIED),
    ],
)
async def test_only_the_owning_provider_creates_offers(
    provider: ProviderView, principal: Principal, code: ErrorCode
) -> None:
    with pytest.raises(DomainError) as error:
        await offers.create_offer(principal, provider.id, offer_content())
    assert error.value.code is code
    assert await Offer.count().run() == 0


async def test_drafts_are_not_found_by_others_and_published_offers_are_public(
    owner: Principal, provider: ProviderView
) -> None:
    offer_id = await _publishable(owner, provider)
    other_admin = admin_of("851")
    for stranger in (PURCHASER, other_admin, Principal.anonymous()):
        assert await offers.get_offer(stranger, offer_id) is None
        listed = await offers.list_offers(stranger, PageRequest())
        assert listed.total_count == 0
    assert await offers.get_offer(owner, offer_id) is not None
    assert await offers.get_offer(REGISTRY_ADMIN, offer_id) is not None

    await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Klar til salg")
    assert await offers.get_offer(PURCHASER, offer_id) is not None
    assert (await offers.list_offers(Principal.anonymous(), PageRequest())).total_count == 1


# --- content rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_age": 40, "max_age": 30}, "max_age"),
        ({"max_age": 121}, "max_age"),
        ({"min_age": -1}, "min_age"),
        ({"age_segment": "adults", "min_age": 0, "max_age": 17}, "max_age"),
        ({"legal_bases": ["SEL-107", "SEL-103"], "category": "outpatient"}, "legal_bases"),
        ({"legal_bases": ["SEL-104"]}, "legal_bases"),  # a residential offer needs a residential §
        ({"legal_bases": ["SEL-67"]}, "legal_bases"),  # repealed
        ({"legal_bases": ["SEL-108", "SEL-108"]}, "legal_bases"),
        ({"primary_target_group": "1f23325e-c9c9-455b-bfe7-b4dcd1bb63e5"}, "primary_target_group"),
        ({"occupied_places": 13}, "occupied_places"),
        ({"capacity_places": 13, "occupied_places": 0}, "capacity_places"),
        ({"approved_on": None}, "approved_on"),
        ({"postal_code": "87"}, "postal_code"),
    ],
)
def test_bad_content_is_refused_with_the_field_named(overrides: dict[str, Any], field: str) -> None:
    data = offer_content().model_dump() | overrides
    with pytest.raises(DomainError) as error:
        parse(OfferContent, data)
    assert (field,) in _fields(error.value)


async def test_unknown_codes_are_refused_and_nothing_is_saved(
    owner: Principal, provider: ProviderView
) -> None:
    for overrides, field in [
        ({"target_groups": ["not-a-code"], "primary_target_group": None}, "target_groups"),
        ({"service_types": ["juggling"]}, "service_types"),
    ]:
        with pytest.raises(DomainError) as error:
            await offers.create_offer(owner, provider.id, offer_content(**overrides))
        assert error.value.field == [field]
    with pytest.raises(DomainError) as error:
        await offers.create_offer(owner, provider.id, offer_content(municipality_code="999"))
    assert error.value.code is ErrorCode.UNKNOWN_MUNICIPALITY
    assert await Offer.count().run() == 0


@pytest.mark.parametrize(
    ("category", "bases", "authority"),
    [
        ("residential", ["SEL-108", "SEL-104"], SupervisingAuthority.SOCIALTILSYN),
        ("day", ["SEL-104"], SupervisingAuthority.MUNICIPALITY),
        ("residential", ["ABL-105", "SEL-85"], SupervisingAuthority.SOCIALTILSYN),
        ("outpatient", ["SEL-85"], SupervisingAuthority.MUNICIPALITY),
        ("outpatient", ["SEL-101"], SupervisingAuthority.SOCIALTILSYN),
    ],
)
def test_the_supervising_authority_follows_the_paragraphs(
    category: str, bases: list[str], authority: SupervisingAuthority
) -> None:
    from marketplace.offers.models import OfferCategory

    assert (
        supervising_authority(OfferCategory(category), [LegalBasis(b) for b in bases]) is authority
    )


def test_the_taxonomies_are_complete() -> None:
    assert len(legal_bases()) == len(LegalBasis) == 44
    assert len(service_type_records()) == 12


async def test_taxonomies_are_loaded_once() -> None:
    assert await offers.load_taxonomies() == (0, 0)
    assert len(await offers.list_target_groups()) == 45


# --- lifecycle -----------------------------------------------------------------------------


async def test_publishing_names_every_missing_piece_and_changes_nothing(
    owner: Principal, provider: ProviderView
) -> None:
    bare = OfferContent.model_validate(
        {
            "name": "Nyt tilbud",
            "category": "residential",
            "age_segment": "adults",
            "min_age": 18,
            "max_age": 99,
        }
    )
    offer = await offers.create_offer(owner, provider.id, bare)
    with pytest.raises(DomainErrors) as error:
        await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Første udgave")
    assert _fields(error.value) == {
        ("description",),
        ("target_groups",),
        ("legal_bases",),
        ("municipality_code",),
        ("capacity_places",),
        ("price_list",),
    }
    still = await offers.get_offer(owner, offer.id)
    assert still is not None and still.status is OfferStatus.DRAFT


async def test_an_offer_under_the_socialtilsyn_must_be_approved_to_publish(
    owner: Principal, provider: ProviderView
) -> None:
    offer_id = await _publishable(
        owner, provider, approval_status="applied", approved_places=None, approved_on=None
    )
    with pytest.raises(DomainErrors) as error:
        await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Første udgave")
    assert _fields(error.value) == {("approval_status",)}


async def test_the_lifecycle_with_reasons_and_history(
    owner: Principal, provider: ProviderView
) -> None:
    offer_id = await _publishable(owner, provider)
    with pytest.raises(DomainError) as wrong:
        await offers.change_status(owner, offer_id, OfferStatus.SUSPENDED, "Ikke udgivet endnu")
    assert wrong.value.code is ErrorCode.INVALID
    with pytest.raises(DomainError) as reasonless:
        await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, " ")
    assert reasonless.value.code is ErrorCode.REQUIRED

    published = await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Klar")
    assert published.status is OfferStatus.PUBLISHED and published.published_at is not None
    suspended = await offers.change_status(owner, offer_id, OfferStatus.SUSPENDED, "Ombygning")
    assert suspended.status is OfferStatus.SUSPENDED
    assert await offers.get_offer(PURCHASER, offer_id) is None  # hidden while suspended
    await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Ombygning færdig")
    closed = await offers.change_status(owner, offer_id, OfferStatus.CLOSED, "Lukket af kommunen")
    assert closed.status is OfferStatus.CLOSED
    with pytest.raises(DomainError):
        await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Genåbning")
    with pytest.raises(DomainError):
        await offers.update_offer(owner, offer_id, {"name": "Nyt navn"})

    history = await offers.offer_history(owner, offer_id, PageRequest(first=100))
    kinds = [(e.kind, e.reason) for e in history.items]
    assert kinds == [
        ("created", ""),
        ("price_list_published", ""),
        ("published", "Klar"),
        ("suspended", "Ombygning"),
        ("published", "Ombygning færdig"),
        ("closed", "Lukket af kommunen"),
    ]
    # Who made each change is shown to the organisation that made it, and to the registry
    # administrator; another organisation's reader sees what changed, not who changed it.
    assert {e.actor for e in history.items} == {owner.subject}
    seen = await offers.offer_history(REGISTRY_ADMIN, offer_id, PageRequest(first=100))
    assert {e.actor for e in seen.items} == {owner.subject}
    seen = await offers.offer_history(PURCHASER, offer_id, PageRequest(first=100))
    assert [(e.kind, e.reason) for e in seen.items] == kinds
    assert {e.actor for e in seen.items} == {None}


async def test_a_published_offer_keeps_meeting_the_rules(
    owner: Principal, provider: ProviderView
) -> None:
    offer_id = await _publishable(owner, provider)
    await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Klar")
    with pytest.raises(DomainErrors) as error:
        await offers.update_offer(owner, offer_id, {"target_groups": []})
    assert ("target_groups",) in _fields(error.value)
    relations = (await offers.relations_by_offer([offer_id]))[offer_id]
    assert len(relations.target_groups) == 2

    updated = await offers.update_offer(
        owner, offer_id, {"occupied_places": 12, "methods": ["Marte Meo"]}
    )
    assert (updated.capacity_places, updated.occupied_places) == (12, 12)
    assert (await offers.relations_by_offer([offer_id]))[offer_id].methods == ["Marte Meo"]
    last = (await offers.offer_history(owner, offer_id, PageRequest(first=100))).items[-1]
    assert (last.kind, last.fields) == ("updated", ["methods", "occupied_places"])


async def test_another_provider_cannot_change_the_offer(
    owner: Principal, provider: ProviderView
) -> None:
    offer_id = await _publishable(owner, provider)
    await offers.change_status(owner, offer_id, OfferStatus.PUBLISHED, "Klar")
    await organisations.create_provider(REGISTRY_ADMIN, municipal_provider())
    with pytest.raises(DomainError) as error:
        await offers.update_offer(admin_of("851"), offer_id, {"name": "Kapret"})
    assert error.value.code is ErrorCode.PERMISSION_DENIED


async def test_method_suggestions_combine_the_curated_list_and_terms_in_use(
    owner: Principal, provider: ProviderView
) -> None:
    await offers.create_offer(
        owner, provider.id, offer_content(methods=["Mindfulness i hverdagen"])
    )
    assert await offers.method_suggestions("mi", 10) == ["Miljøterapi", "Mindfulness i hverdagen"]
    assert "KRAP" in await offers.method_suggestions("", 50)
