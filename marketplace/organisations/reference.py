"""Official reference data: the 5 regions and 98 municipalities, shipped as package data.

Source: Danmarks Statistik / DAGI municipality and region codes, with each municipality's
seat and its approximate coordinates (accurate to a few km; used for distance search).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from piccolo.columns import Column

from marketplace.core.db import write_transaction
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


def region_records() -> dict[str, str]:
    return {m.region_code: m.region_name for m in municipality_records()}


async def load_reference_data() -> tuple[int, int]:
    """Insert or correct the regions and municipalities; return how many rows changed."""
    changed_regions = changed_municipalities = 0
    async with write_transaction():
        existing_regions = {r["code"]: r for r in await Region.select().run()}
        for code, name in sorted(region_records().items()):
            wanted = {"code": code, "name": name}
            if code not in existing_regions:
                await Region.insert(Region(code=code, name=name)).run()
                changed_regions += 1
            elif existing_regions[code] != wanted:
                await Region.update({Region.name: name}).where(Region.code == code).run()
                changed_regions += 1
        existing = {m["code"]: m for m in await Municipality.select().run()}
        missing = [r for r in municipality_records() if r.code not in existing]
        if missing:
            await Municipality.insert(
                *(
                    Municipality(
                        code=r.code,
                        name=r.name,
                        region=r.region_code,
                        seat=r.seat,
                        latitude=r.latitude,
                        longitude=r.longitude,
                    )
                    for r in missing
                )
            ).run()
            changed_municipalities += len(missing)
        for record in municipality_records():
            wanted_row = {
                "code": record.code,
                "name": record.name,
                "region": record.region_code,
                "seat": record.seat,
                "latitude": record.latitude,
                "longitude": record.longitude,
            }
            if record.code in existing and existing[record.code] != wanted_row:
                values: dict[Column | str, Any] = {
                    Municipality._meta.get_column_by_name(k): v for k, v in wanted_row.items()
                }
                await Municipality.update(values).where(Municipality.code == record.code).run()
                changed_municipalities += 1
    return changed_regions, changed_municipalities
