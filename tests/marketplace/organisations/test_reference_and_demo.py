from collections import Counter

from demo.providers import DEMO_PROVIDERS, seed_demo_providers
from marketplace.organisations import service
from marketplace.organisations.reference import load_reference_data, municipality_records
from marketplace.organisations.tables import Municipality, OwnerType, Provider, Region


async def test_the_registry_holds_five_regions_and_98_municipalities() -> None:
    regions = await service.list_regions()
    assert [r.code for r in regions] == ["1081", "1082", "1083", "1084", "1085"]
    assert regions[0].name == "Region Nordjylland"
    assert await Municipality.count().run() == 98
    aalborg = await service.get_municipality("851")
    assert aalborg is not None
    assert (aalborg.name, aalborg.region_code, aalborg.seat) == ("Aalborg", "1081", "Aalborg")
    assert 56.9 < aalborg.latitude < 57.2 and 9.7 < aalborg.longitude < 10.1


async def test_loading_reference_data_again_changes_nothing() -> None:
    assert await load_reference_data() == (0, 0)
    assert await Region.count().run() == 5


async def test_loading_reference_data_repairs_a_changed_municipality() -> None:
    await (
        Municipality.update({Municipality.name: "Forkert"}).where(Municipality.code == "851").run()
    )
    assert await load_reference_data() == (0, 1)
    aalborg = await service.get_municipality("851")
    assert aalborg is not None and aalborg.name == "Aalborg"


def test_every_municipality_record_has_a_known_region() -> None:
    records = municipality_records()
    assert len(records) == 98
    assert len({r.code for r in records}) == 98
    assert Counter(r.region_code for r in records) == {
        "1081": 11,
        "1082": 19,
        "1083": 22,
        "1084": 29,
        "1085": 17,
    }


async def test_demo_seed_gives_every_region_all_three_owner_types_and_is_idempotent() -> None:
    assert await seed_demo_providers() == len(DEMO_PROVIDERS)
    assert await seed_demo_providers() == 0
    assert await Provider.count().run() == len(DEMO_PROVIDERS)

    rows = await Provider.select(
        Provider.owner_type, Provider.municipality._.region.as_alias("region")
    ).run()
    per_region: dict[str, set[str]] = {}
    for row in rows:
        per_region.setdefault(row["region"], set()).add(row["owner_type"])
    assert set(per_region) == {"1081", "1082", "1083", "1084", "1085"}
    assert all(kinds == {o.value for o in OwnerType} for kinds in per_region.values())


async def test_demo_seed_holds_the_providers_the_north_jutland_agreement_names() -> None:
    await seed_demo_providers()
    aalborg = await service.provider_for_org("851")
    region = await service.provider_for_org("1081")
    assert aalborg is not None and "Birken" in aalborg.description
    assert region is not None and "Kvisten" in region.description
    assert "Center for Døvblindhed og Høretab" in region.description
    private = [p for p in DEMO_PROVIDERS if p.owner_type is OwnerType.PRIVATE]
    assert all(p.is_demo for p in private)
