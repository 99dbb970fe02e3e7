"""Official reference data: the 5 regions and 98 municipalities, shipped as package data.

Source: the official municipality and region codes, with each municipality's seat and its
approximate coordinates (accurate to a few km; used for distance search).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from marketplace.core.db import sync_reference_rows
from marketplace.core.unit_of_work import write_transaction
from marketplace.organisations.tables import Municipality, Region


@dataclass(frozen=True, slots=True)
class MunicipalityRecord:
    code: str
    name: str
    region_code: str
    region_name: str
    seat: str
    latitude: float
    longitude: float


@cache
def municipality_records() -> tuple[MunicipalityRecord, ...]:
    text = files("marketplace.organisations").joinpath("data/municipalities.csv").read_text("utf-8")
    return tuple(
        MunicipalityRecord(
            code=row["code"],
            name=row["name"],
            region_code=row["region_code"],
            region_name=row["region_name"],
            seat=row["seat"],
            latitude=float(row["lat"]),
            longitude=float(row["lon"]),
        )
        for row in csv.DictReader(text.splitlines())
    )


@cache
def populations() -> dict[str, int]:
    """Each municipality's population by code (Statistics Denmark FOLK1A, 1 January 2026;
    see data/SOURCES.md)."""
    text = (
        files("marketplace.organisations")
        .joinpath("data/municipality_population.csv")
        .read_text("utf-8")
    )
    return {row["code"]: int(row["population"]) for row in csv.DictReader(text.splitlines())}


@cache
def regions_by_municipality() -> dict[str, str]:
    """Each municipality's region, by municipality code."""
    return {m.code: m.region_code for m in municipality_records()}


def region_of(municipality_code: str | None) -> str | None:
    """The region a municipality lies in; None for no or an unknown municipality."""
    return regions_by_municipality().get(municipality_code or "")


def region_records() -> dict[str, str]:
    return {m.region_code: m.region_name for m in municipality_records()}


async def load_reference_data() -> tuple[int, int]:
    """Insert or correct the regions and municipalities; return how many rows changed."""
    async with write_transaction():
        regions = await sync_reference_rows(
            Region, [{"code": c, "name": n} for c, n in sorted(region_records().items())]
        )
        municipalities = await sync_reference_rows(
            Municipality,
            [
                {
                    "code": r.code,
                    "name": r.name,
                    "region": r.region_code,
                    "seat": r.seat,
                    "latitude": r.latitude,
                    "longitude": r.longitude,
                }
                for r in municipality_records()
            ],
        )
    return regions, municipalities
