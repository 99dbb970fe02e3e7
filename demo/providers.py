"""Demo providers for `socialmarked seed`: at least three per region, of all owner types.

Municipalities and regions are real driftsherrer at their real head-office addresses.
Private providers are fictitious (``is_demo``), with CVR numbers that pass the modulus-11
check but belong to no one; their descriptions say so.
"""

from __future__ import annotations

from collections.abc import Callable

from marketplace.core.identity import SYSTEM
from marketplace.organisations.models import ProviderCreate
from marketplace.organisations.service import create_provider
from marketplace.organisations.tables import OwnerType, Provider

_FICTITIOUS = "Demo data: a fictitious private provider."


def _public(
    owner: OwnerType,
    code: str,
    name: str,
    street: str,
    postal: str,
    city: str,
    muni: str,
    note: str,
) -> ProviderCreate:
    return ProviderCreate(
        owner_type=owner,
        org_code=code,
        name=name,
        street_address=street,
        postal_code=postal,
        city=city,
        municipality_code=muni,
        description=note,
    )


def _private(cvr: str, name: str, street: str, postal: str, city: str, muni: str) -> ProviderCreate:
    return ProviderCreate(
        owner_type=OwnerType.PRIVATE,
        org_code=cvr,
        name=name,
        street_address=street,
        postal_code=postal,
        city=city,
        municipality_code=muni,
        description=_FICTITIOUS,
        is_demo=True,
    )


M, R = OwnerType.MUNICIPAL, OwnerType.REGIONAL

DEMO_PROVIDERS: tuple[ProviderCreate, ...] = (
    # Region Nordjylland (1081)
    _public(
        M,
        "851",
        "Aalborg Kommune",
        "Boulevarden 13",
        "9000",
        "Aalborg",
        "851",
        "Driftsherre for bl.a. Birken, som er i nødsporet i Nordjysk Socialaftale 2021-2022.",
    ),
    _public(
        R,
        "1081",
        "Region Nordjylland",
        "Niels Bohrs Vej 30",
        "9220",
        "Aalborg Øst",
        "851",
        "Driftsherre for bl.a. Kvisten (nødsporet 2021-2022) og Center for Døvblindhed og Høretab.",
    ),
    _private("39014726", "Limfjordsgården ApS", "Fjordvejen 4", "9640", "Farsø", "820"),
    # Region Midtjylland (1082)
    _public(
        M,
        "751",
        "Aarhus Kommune",
        "Rådhuspladsen 2",
        "8000",
        "Aarhus C",
        "751",
        "Kommunal driftsherre for botilbud og dagtilbud i Aarhus.",
    ),
    _public(
        R,
        "1082",
        "Region Midtjylland",
        "Skottenborg 26",
        "8800",
        "Viborg",
        "791",
        "Regional driftsherre for specialiserede sociale tilbud i Midtjylland.",
    ),
    _private("39125544", "Bostedet Gudenådalen A/S", "Ådalsvej 17", "8600", "Silkeborg", "740"),
    # Region Syddanmark (1083)
    _public(
        M,
        "461",
        "Odense Kommune",
        "Flakhaven 2",
        "5000",
        "Odense C",
        "461",
        "Kommunal driftsherre for botilbud og dagtilbud i Odense.",
    ),
    _public(
        R,
        "1083",
        "Region Syddanmark",
        "Damhaven 12",
        "7100",
        "Vejle",
        "630",
        "Regional driftsherre for specialiserede sociale tilbud i Syddanmark.",
    ),
    _private("40036172", "Fonden Vadehavshuset", "Marskvej 9", "6700", "Esbjerg", "561"),
    # Region Hovedstaden (1084)
    _public(
        M,
        "101",
        "Københavns Kommune",
        "Rådhuspladsen 1",
        "1550",
        "København V",
        "101",
        "Kommunal driftsherre for botilbud og dagtilbud i København.",
    ),
    _public(
        R,
        "1084",
        "Region Hovedstaden",
        "Kongens Vænge 2",
        "3400",
        "Hillerød",
        "219",
        "Regional driftsherre for specialiserede sociale tilbud i Hovedstaden.",
    ),
    _private(
        "41177292",
        "Opholdsstedet Strandlyst ApS",
        "Strandvejen 212",
        "2920",
        "Charlottenlund",
        "157",
    ),
    # Region Sjælland (1085)
    _public(
        M,
        "265",
        "Roskilde Kommune",
        "Rådhusbuen 1",
        "4000",
        "Roskilde",
        "265",
        "Kommunal driftsherre for botilbud og dagtilbud i Roskilde.",
    ),
    _public(
        R,
        "1085",
        "Region Sjælland",
        "Alleen 15",
        "4180",
        "Sorø",
        "340",
        "Regional driftsherre for specialiserede sociale tilbud i Sjælland.",
    ),
    _private("42268313", "Botilbuddet Skovbrynet ApS", "Skovbrynet 3", "4700", "Næstved", "370"),
)


async def seed_demo_providers(on_each: Callable[[str], None] | None = None) -> int:
    """Register the demo providers that are missing; return how many were added."""
    existing = {row["org_code"] for row in await Provider.select(Provider.org_code).run()}
    added = 0
    for command in DEMO_PROVIDERS:
        if command.org_code not in existing:
            await create_provider(SYSTEM, command)
            added += 1
        if on_each is not None:
            on_each(command.name)
    return added
