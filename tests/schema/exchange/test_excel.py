"""A region's price catalogue as .xlsx, and offers imported from .xlsx, .ods or .csv: a round
trip gives the same offers and prices; every bad file is a typed error and imports nothing."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from decimal import Decimal
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook

from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.offers import bulk, pricing
from marketplace.offers import service as offers
from marketplace.offers.tables import Offer
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderView
from marketplace.search.tables import OfferSearch, OfferTerm
from tests.conftest import token
from tests.factories import REGISTRY_ADMIN, private_provider
from tests.schema.exchange.test_hsds import published

OTHER = "25313704"
YEAR = today().year


async def _catalogue(client: httpx.AsyncClient, **params: Any) -> httpx.Response:
    return await client.get(
        "/exports/price-catalogue.xlsx", params={"regionCode": "1082", "year": YEAR, **params}
    )


def _sheet(body: bytes) -> list[list[Any]]:
    rows: list[list[Any]] = (
        CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    )
    return rows


async def _other_provider() -> ProviderView:
    return await organisations.create_provider(
        REGISTRY_ADMIN, private_provider(org_code=OTHER, name="Nyt Bosted ApS")
    )


async def _import(
    client: httpx.AsyncClient, provider: ProviderView, body: bytes, *, dry_run: bool = False
) -> httpx.Response:
    return await client.post(
        "/imports/offers",
        params={"providerId": str(provider.id), "dryRun": str(dry_run).lower()},
        content=body,
        headers={"Authorization": f"Bearer {token(OTHER, Role.PROVIDER_ADMIN)}"},
    )


async def _offers_of(provider: ProviderView) -> int:
    return await Offer.count().where(Offer.provider == provider.id)


async def _contents(provider_id: Any) -> list[tuple[Any, ...]]:
    """What an offer is and costs, without what differs between two providers' copies."""
    rows = await Offer.select(Offer.id).where(Offer.provider == provider_id).order_by(Offer.name)
    ids = [r["id"] for r in rows]
    views = await offers.offers_by_id(REGISTRY_ADMIN, ids)
    relations = await offers.relations_by_offer(ids)
    prices = await pricing.price_lists_by_offer(ids, YEAR)
    found = []
    for offer_id in ids:
        offer = views[offer_id].model_dump(
            exclude={"id", "provider_id", "provider_org_code", "status", "is_demo"}
            | {"published_at", "created_at", "updated_at", "latitude", "longitude"}
        )
        [price] = prices[offer_id]
        price_fields = price.model_dump(
            include={"year", "unit", "base_price_ore", "vat_included", "overhead_bp"}
            | {"budgeted_occupancy_bp", "valid_from", "levels", "add_ons"}
        )
        found.append((offer, relations[offer_id].model_dump(), price_fields))
    return found


async def test_the_catalogue_round_trips_into_an_empty_provider(client: httpx.AsyncClient) -> None:
    first = await published("Alfa")
    await published("Beta", capacity_places=5, occupied_places=1, approved_places=5)
    other = await _other_provider()

    response = await _catalogue(client)
    assert response.status_code == 200, response.text
    rows = _sheet(response.content)
    assert rows[0] == bulk.COLUMNS
    assert [(r[4], r[-4]) for r in rows[1:]] == [
        ("Alfa", "Niveau 1"),
        ("Alfa", "Niveau 2"),
        ("Beta", "Niveau 1"),
        ("Beta", "Niveau 2"),
    ]
    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<autoFilter" in sheet_xml and b'state="frozen"' in sheet_xml

    dry = await _import(client, other, response.content, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"dryRun": True, "offers": 2, "priceLevels": 4, "offerIds": []}
    assert await _offers_of(other) == 0

    done = await _import(client, other, response.content)
    assert done.status_code == 200, done.text
    assert len(done.json()["offerIds"]) == 2
    made = [uuid.UUID(i) for i in done.json()["offerIds"]]
    # the search documents and terms are made once, at the end of the import
    assert await OfferSearch.count().where(OfferSearch.offer.is_in(made)) == 2
    assert await OfferTerm.count().where(OfferTerm.offer.is_in(made)) > 0
    assert await _contents(other.id) == await _contents(first.provider_id)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk.COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def _good_rows(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    await published("Alfa")
    response = await _catalogue(client)
    rows = _sheet(response.content)
    return [dict(zip(rows[0], (str(c) for c in row), strict=True)) for row in rows[1:]]


async def test_a_csv_imports_and_a_second_time_is_a_duplicate(client: httpx.AsyncClient) -> None:
    rows = await _good_rows(client)
    other = await _other_provider()

    first = await _import(client, other, _csv(rows))
    again = await _import(client, other, _csv(rows))

    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()["code"]) == (400, "DUPLICATE")
    assert again.json()["field"] == ["rows", "2", "offer"]
    assert await _offers_of(other) == 1


async def test_a_csv_with_old_mac_line_ends_imports_and_a_stray_one_is_a_typed_error(
    client: httpx.AsyncClient,
) -> None:
    """Lines ended by a lone carriage return (classic Mac files) are lines; a carriage return
    that breaks the header or a field makes a row the import names, never a server error."""
    rows = await _good_rows(client)
    other = await _other_provider()
    mac = _csv(rows).replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    stray = b",\xf4\x85\xb8\x81\xf3\x8e\x89\x8bN\xc3\x93\x1f\r\xc3\xba\xc3\xafv"

    imported = await _import(client, other, mac)
    refused = await _import(client, other, stray)

    assert imported.status_code == 200, imported.text
    assert await _offers_of(other) == 1
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] in {"INVALID", "REQUIRED"}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"legal_bases": "SEL-999"}, "INVALID", ["rows", "3", "legal_bases"]),
        ({"base_price": "2.450,50"}, "INVALID", ["rows", "3", "base_price"]),
        ({"category": "hotel"}, "INVALID", ["rows", "3", "category"]),
        ({"min_age": "atten"}, "INVALID", ["rows", "3", "min_age"]),
        ({"vat_included": "måske"}, "INVALID", ["rows", "3", "vat_included"]),
        ({"price_level": "Niveau 9"}, "DUPLICATE", ["rows", "3", "price_level"]),
    ],
)
async def test_a_bad_row_names_its_row_and_column_and_imports_nothing(
    client: httpx.AsyncClient, change: dict[str, str], code: str, field: list[str]
) -> None:
    rows = await _good_rows(client)
    extra = {**rows[0], "offer": "Gamma", "price_level": "Niveau 9"}
    fine = {**rows[0], "offer": "Gamma 2", "price_level": "Niveau 9"}
    other = await _other_provider()
    # row 2: Gamma; row 3: Gamma, broken; row 4: another offer that is fine
    body = _csv([extra, {**extra, "price_level": "Niveau 8", **change}, fine])

    response = await _import(client, other, body)

    assert response.status_code == 400, response.text
    assert [(e["code"], e["field"]) for e in response.json()["errors"]][:1] == [(code, field)]
    assert "Row 3" in response.json()["errors"][0]["message"]
    assert await _offers_of(other) == 0


async def test_bad_files_are_typed_errors(client: httpx.AsyncClient) -> None:
    rows = await _good_rows(client)
    other = await _other_provider()
    missing_column = _csv([rows[0]]).replace(b";base_price;", b";grundtakst;")
    huge = b"offer;category\n" + b"x" * 6_000_000
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    broken_zip = b"PK\x03\x04" + b"not really a workbook" * 10

    answers = [
        await _import(client, other, body) for body in (missing_column, huge, png, broken_zip, b"")
    ]

    assert [(a.status_code, a.json()["code"], a.json()["field"]) for a in answers] == [
        (400, "REQUIRED", ["columns", "base_price"]),
        (400, "INVALID", ["file"]),
        (400, "INVALID", ["file"]),
        (400, "INVALID", ["file"]),
        (400, "INVALID", ["file"]),
    ]
    assert await _offers_of(other) == 0


async def test_an_ods_file_imports(client: httpx.AsyncClient) -> None:
    """python-calamine reads OpenDocument too: a minimal .ods made by hand."""
    rows = await _good_rows(client)
    other = await _other_provider()

    response = await _import(
        client, other, _ods([bulk.COLUMNS, *([r[c] for c in bulk.COLUMNS] for r in rows)])
    )

    assert response.status_code == 200, response.text
    assert response.json()["offers"] == 1


def _ods(rows: list[list[str]]) -> bytes:
    from xml.sax.saxutils import escape

    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p></table:table-cell>'
            for c in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Ark1">{cells}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return out.getvalue()


async def test_an_unknown_region_or_year_is_a_typed_error(client: httpx.AsyncClient) -> None:
    region = await client.get(
        "/exports/price-catalogue.xlsx", params={"regionCode": "9999", "year": YEAR}
    )
    year = await client.get(
        "/exports/price-catalogue.xlsx", params={"regionCode": "1082", "year": "1800"}
    )
    text = await client.get(
        "/exports/price-catalogue.xlsx", params={"regionCode": "1082", "year": "i år"}
    )
    since = await _catalogue(client, modified_after="yesterday")

    assert (region.status_code, region.json()["code"]) == (400, "UNKNOWN_REGION")
    assert (year.status_code, year.json()["field"]) == (400, ["year"])
    assert (text.status_code, text.json()["field"]) == (400, ["year"])
    assert (since.status_code, since.json()["field"]) == (400, ["modified_after"])


async def test_only_the_providers_administrators_import(client: httpx.AsyncClient) -> None:
    rows = await _good_rows(client)
    other = await _other_provider()

    response = await client.post(
        "/imports/offers",
        params={"providerId": str(other.id)},
        content=_csv(rows),
        headers={"Authorization": f"Bearer {token('43389424', Role.PROVIDER_ADMIN)}"},
    )

    assert response.status_code in (403, 404), response.text
    assert await _offers_of(other) == 0
    assert Decimal(rows[0]["base_price"]) == Decimal("2450.5")


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"legal_bases": "SEL-999"}, "legal_bases"),
        (
            {
                "target_groups": "00000000-0000-0000-0000-000000000000",
                "primary_target_group": "00000000-0000-0000-0000-000000000000",
            },
            "target_groups",
        ),
        ({"unit": "per_week"}, "unit"),
        ({"price": "mange penge"}, "price"),
    ],
)
async def test_a_wrong_code_on_an_offers_first_row_names_it(
    client: httpx.AsyncClient, change: dict[str, str], column: str
) -> None:
    rows = await _good_rows(client)
    other = await _other_provider()

    response = await _import(client, other, _csv([{**rows[0], **change}, {**rows[1], **change}]))

    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == ["rows", "2", column], response.json()
    assert await _offers_of(other) == 0
