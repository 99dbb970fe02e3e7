import pytest

from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.organisations import service
from marketplace.organisations.models import ProviderCreate, ProviderFilter, ProviderUpdate
from marketplace.organisations.tables import OwnerType, Provider
from tests.factories import REGISTRY_ADMIN, admin_of, municipal_provider, private_provider


async def _count() -> int:
    return await Provider.count().run()


async def test_the_registry_admin_registers_a_private_provider() -> None:
    provider = await service.create_provider(REGISTRY_ADMIN, private_provider())
    assert provider.owner_type is OwnerType.PRIVATE
    assert provider.cvr == provider.org_code == "43389424"
    horsens = await service.get_municipality("615")
    assert horsens is not None
    # No coordinates given: the provider is placed at its municipality's seat.
    assert (provider.latitude, provider.longitude) == (horsens.latitude, horsens.longitude)
    assert provider.created_at.tzinfo is not None


@pytest.mark.parametrize(
    "principal",
    [Principal.anonymous(), admin_of("43389424"), Principal("x", "851", Role.PURCHASER)],
)
async def test_only_the_registry_admin_registers_providers(principal: Principal) -> None:
    with pytest.raises(DomainError) as error:
        await service.create_provider(principal, private_provider())
    assert error.value.code in {ErrorCode.UNAUTHENTICATED, ErrorCode.PERMISSION_DENIED}
    assert await _count() == 0


async def test_an_org_code_is_registered_once() -> None:
    await service.create_provider(REGISTRY_ADMIN, private_provider())
    with pytest.raises(DomainError) as error:
        await service.create_provider(REGISTRY_ADMIN, private_provider(name="Et andet navn"))
    assert error.value.code is ErrorCode.DUPLICATE
    assert error.value.field == ["org_code"]
    assert await _count() == 1


def test_a_private_provider_needs_a_valid_cvr_number() -> None:
    with pytest.raises(DomainError) as error:
        parse(ProviderCreate, private_provider().model_dump() | {"org_code": "43389425"})
    assert error.value.code is ErrorCode.INVALID_CVR


async def test_a_municipal_provider_lies_in_its_own_municipality() -> None:
    with pytest.raises(DomainError) as error:
        await service.create_provider(REGISTRY_ADMIN, municipal_provider(municipality_code="101"))
    assert error.value.code is ErrorCode.INVALID
    assert error.value.field == ["municipality_code"]
    assert await _count() == 0


async def test_a_regional_provider_lies_in_its_own_region() -> None:
    command = municipal_provider(owner_type=OwnerType.REGIONAL, org_code="1084")
    with pytest.raises(DomainError) as error:  # Aalborg lies in Region Nordjylland
        await service.create_provider(REGISTRY_ADMIN, command)
    assert error.value.code is ErrorCode.INVALID
    created = await service.create_provider(
        REGISTRY_ADMIN, municipal_provider(owner_type=OwnerType.REGIONAL, org_code="1081")
    )
    assert created.municipality_code == "851"


async def test_an_unknown_municipality_is_a_typed_error() -> None:
    with pytest.raises(DomainError) as error:
        await service.create_provider(REGISTRY_ADMIN, private_provider(municipality_code="999"))
    assert error.value.code is ErrorCode.UNKNOWN_MUNICIPALITY
    assert await _count() == 0


async def test_a_provider_admin_updates_its_own_provider_only() -> None:
    own = await service.create_provider(REGISTRY_ADMIN, private_provider())
    other = await service.create_provider(REGISTRY_ADMIN, municipal_provider())
    changed = await service.update_provider(
        admin_of(own.org_code), own.id, ProviderUpdate(name="Bostedet Engly", phone="+45 12345678")
    )
    assert changed.name == "Bostedet Engly" and changed.phone == "+45 12345678"
    assert changed.updated_at >= own.updated_at

    with pytest.raises(DomainError) as error:
        await service.update_provider(admin_of(own.org_code), other.id, ProviderUpdate(name="X X"))
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    unchanged = await service.get_provider(other.id)
    assert unchanged is not None and unchanged.name == "Aalborg Kommune"


async def test_moving_a_provider_moves_it_to_the_new_seat_unless_coordinates_are_given() -> None:
    own = await service.create_provider(REGISTRY_ADMIN, private_provider())
    moved = await service.update_provider(
        REGISTRY_ADMIN, own.id, ProviderUpdate(municipality_code="751")
    )
    aarhus = await service.get_municipality("751")
    assert aarhus is not None
    assert (moved.municipality_code, moved.latitude) == ("751", aarhus.latitude)


def test_required_details_cannot_be_cleared() -> None:
    with pytest.raises(DomainError) as error:
        parse(ProviderUpdate, {"name": None})
    assert error.value.code is ErrorCode.INVALID


async def test_provider_search_is_case_insensitive_with_danish_letters() -> None:
    await service.create_provider(REGISTRY_ADMIN, private_provider(name="Ørnereden Åbo ApS"))
    found = await service.list_providers(ProviderFilter(search="ørnEREDEN åbo"), PageRequest())
    assert [p.name for p in found.items] == ["Ørnereden Åbo ApS"]
    # LIKE wildcards in the search text match nothing special.
    for text in ("ørne_eden", "ørne%eden"):
        found = await service.list_providers(ProviderFilter(search=text), PageRequest())
        assert found.total_count == 0, text


async def test_providers_filter_by_region_and_owner_type() -> None:
    await service.create_provider(REGISTRY_ADMIN, private_provider())  # Horsens, Midtjylland
    await service.create_provider(REGISTRY_ADMIN, municipal_provider())  # Aalborg, Nordjylland
    north = await service.list_providers(ProviderFilter(region_code="1081"), PageRequest())
    assert [p.org_code for p in north.items] == ["851"]
    private = await service.list_providers(
        ProviderFilter(owner_type=OwnerType.PRIVATE), PageRequest()
    )
    assert [p.org_code for p in private.items] == ["43389424"]
    with pytest.raises(DomainError) as error:
        await service.list_providers(ProviderFilter(region_code="1089"), PageRequest())
    assert error.value.code is ErrorCode.UNKNOWN_REGION
