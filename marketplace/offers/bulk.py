"""Offers and price lists as rows of a table: a region's price catalogue out, a provider's
offers in.

One row per offer and price level (an offer without levels has one row with the level left
empty). The columns are the commands' own field names, so a catalogue exported for a year
imports into another provider as the same offers and prices. An import is all or nothing:
every row is checked, and the first problem of each row and column is reported with its row
(as the spreadsheet numbers it, the header being row 1) and column; with one problem, nothing
is written. A dry run checks everything, writes, and rolls back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from marketplace.core.errors import DomainError, DomainErrors, ErrorCode, from_validation_error
from marketplace.core.identity import Principal
from marketplace.core.money import to_dkk
from marketplace.core.unit_of_work import all_or_nothing
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferContent, OfferRelations, OfferView, PriceListPublish
from marketplace.offers.tables import Offer
from marketplace.organisations.models import ProviderView

OFFER_COLUMNS = [
    "offer",
    "description",
    "category",
    "age_segment",
    "min_age",
    "max_age",
    "legal_bases",
    "service_types",
    "target_groups",
    "primary_target_group",
    "methods",
    "municipality_code",
    "street_address",
    "postal_code",
    "city",
    "approval_status",
    "approved_places",
    "approved_on",
    "capacity_places",
    "occupied_places",
]
PRICE_COLUMNS = [
    "year",
    "valid_from",
    "unit",
    "base_price",
    "vat_included",
    "overhead_percent",
    "budgeted_occupancy_percent",
    "price_level",
    "covers",
    "price",
    "add_ons",
]
# Shown in a catalogue, not read back: who runs the offer (an import names its provider).
INFO_COLUMNS = ["offer_id", "provider", "provider_org_code", "cvr"]
COLUMNS = [*INFO_COLUMNS, *OFFER_COLUMNS, *PRICE_COLUMNS]
REQUIRED = ["offer", "category", "age_segment", "min_age", "max_age", "year", "unit", "base_price"]
LISTS = {"legal_bases", "service_types", "target_groups", "methods"}
BOOLEANS = {"vat_included"}
PRICES = {"base_price", "price"}
MAX_ROWS = 20_000
_PRICE = re.compile(r"^\d{1,8}([.,]\d{1,2})?$")
_YES = {"yes", "ja", "true", "1", "x"}
_NO = {"no", "nej", "false", "0", ""}


# --- out: a catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    offer: OfferView
    relations: OfferRelations
    provider: ProviderView
    price_list: pricing.PriceListView


def _add_ons_cell(price_list: pricing.PriceListView) -> str:
    return "\n".join(
        f"{a.name}; {a.unit.value}; {to_dkk(a.price_ore)}; {a.description}"
        for a in price_list.add_ons
    )


def _offer_cells(entry: CatalogueEntry) -> dict[str, Any]:
    offer, relations = entry.offer, entry.relations
    return {
        "offer_id": str(offer.id),
        "provider": entry.provider.name,
        "provider_org_code": entry.provider.org_code,
        "cvr": entry.provider.cvr or "",
        "offer": offer.name,
        "description": offer.description,
        "category": offer.category.value,
        "age_segment": offer.age_segment.value,
        "min_age": offer.min_age,
        "max_age": offer.max_age,
        "legal_bases": ", ".join(b.value for b in relations.legal_bases),
        "service_types": ", ".join(relations.service_types),
        "target_groups": ", ".join(relations.target_groups),
        "primary_target_group": relations.primary_target_group or "",
        "methods": ", ".join(relations.methods),
        "municipality_code": offer.municipality_code or "",
        "street_address": offer.street_address or "",
        "postal_code": offer.postal_code or "",
        "city": offer.city or "",
        "approval_status": offer.approval_status.value,
        "approved_places": "" if offer.approved_places is None else offer.approved_places,
        "approved_on": offer.approved_on.isoformat() if offer.approved_on else "",
        "capacity_places": offer.capacity_places,
        "occupied_places": offer.occupied_places,
    }


def _percent(bp: int | None) -> Decimal | str:
    return "" if bp is None else Decimal(bp) / 100


def catalogue_rows(entries: Sequence[CatalogueEntry]) -> list[dict[str, Any]]:
    """One row per offer and price level; cells are text, numbers, Decimals or booleans."""
    rows = []
    for entry in entries:
        price_list = entry.price_list
        shared = _offer_cells(entry) | {
            "year": price_list.year,
            "valid_from": price_list.valid_from.isoformat(),
            "unit": price_list.unit.value,
            "base_price": to_dkk(price_list.base_price_ore),
            "vat_included": price_list.vat_included,
            "overhead_percent": _percent(price_list.overhead_bp),
            "budgeted_occupancy_percent": _percent(price_list.budgeted_occupancy_bp),
            "add_ons": _add_ons_cell(price_list),
        }
        levels: list[tuple[str, str, Decimal | str]] = [
            (lv.name, lv.covers, to_dkk(lv.price_ore)) for lv in price_list.levels
        ]
        for name, covers, price in levels or [("", "", "")]:
            rows.append(shared | {"price_level": name, "covers": covers, "price": price})
    return rows


# --- in: reading rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet as text: its header and its rows (row 2 onwards, as a spreadsheet numbers them)."""

    header: list[str]
    rows: list[list[str]]


@dataclass(slots=True)
class _Problems:
    errors: list[DomainError] = field(default_factory=list)

    def add(self, code: ErrorCode, row: int, column: str, message: str) -> None:
        self.errors.append(
            DomainError(code, f"Row {row}, column {column}: {message}", ["rows", str(row), column])
        )

    def raise_any(self) -> None:
        if self.errors:
            raise DomainErrors(self.errors[:100])


def _check_header(table: Table) -> dict[str, int]:
    header = [h.strip().lower() for h in table.header]
    problems = [
        DomainError(ErrorCode.REQUIRED, f"The column {name!r} is missing.", ["columns", name])
        for name in REQUIRED
        if name not in header
    ]
    if problems:
        raise DomainErrors(problems)
    if len(table.rows) > MAX_ROWS:
        raise DomainError(ErrorCode.INVALID, f"At most {MAX_ROWS} rows in one import.", ["rows"])
    return {name: header.index(name) for name in COLUMNS if name in header}


def _price(text: str) -> Decimal:
    if not _PRICE.match(text):
        raise ValueError("give a price in DKK such as 2450.50 (no thousands separators)")
    return Decimal(text.replace(",", "."))


def _cell(name: str, text: str) -> Any:
    """A cell's text as its field takes it; ValueError says what is wrong."""
    if name in LISTS:
        return [part.strip() for part in text.split(",") if part.strip()]
    if name in BOOLEANS:
        if text.lower() not in _YES | _NO:
            raise ValueError("give yes or no")
        return text.lower() in _YES
    if name in PRICES:
        return _price(text)
    return text or None


def _add_ons(text: str) -> list[dict[str, str]]:
    found = []
    for line in (x for x in text.splitlines() if x.strip()):
        parts = [p.strip() for p in line.split(";", 3)]
        if len(parts) != 4:
            raise ValueError("give each add-on on a line as: name; unit; price; description")
        found.append(
            {
                "name": parts[0],
                "unit": parts[1],
                "price": str(_price(parts[2])),
                "description": parts[3],
            }
        )
    return found


@dataclass(slots=True)
class _Offer:
    """The rows of one offer: its first row's fields, and a level per row."""

    first_row: int
    values: dict[str, Any]
    levels: list[dict[str, Any]] = field(default_factory=list)
    level_rows: dict[str, int] = field(default_factory=dict)


def _row_values(
    row: Sequence[str], columns: Mapping[str, int], number: int, problems: _Problems
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, index in columns.items():
        if name in INFO_COLUMNS:
            continue
        text = (row[index] if index < len(row) else "").strip()
        try:
            values[name] = _add_ons(text) if name == "add_ons" else _cell(name, text)
        except ValueError as error:
            problems.add(ErrorCode.INVALID, number, name, str(error))
    return values


_PER_LEVEL = {"offer", "price_level", "covers", "price"}


def _same_offer(offer: _Offer, values: Mapping[str, Any], number: int, problems: _Problems) -> None:
    """A later row of an offer repeats what its first row says of the offer and its list."""
    for name, value in values.items():
        if name in _PER_LEVEL or name not in offer.values:
            continue
        if value != offer.values[name]:
            problems.add(
                ErrorCode.INVALID,
                number,
                name,
                f"differs from row {offer.first_row}, the first row of {values['offer']!r} "
                f"(the rows of an offer repeat its fields)",
            )


def _group(table: Table, columns: Mapping[str, int], problems: _Problems) -> list[_Offer]:
    grouped: dict[str, _Offer] = {}
    for number, row in enumerate(table.rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = _row_values(row, columns, number, problems)
        name = (values.get("offer") or "").strip()
        if not name:
            problems.add(ErrorCode.REQUIRED, number, "offer", "give the offer's name")
            continue
        offer = grouped.setdefault(name.casefold(), _Offer(number, values))
        if offer.first_row != number:
            _same_offer(offer, values, number, problems)
        level = values.get("price_level")
        if level:
            if level.casefold() in offer.level_rows:
                problems.add(
                    ErrorCode.DUPLICATE,
                    number,
                    "price_level",
                    f"the offer {name!r} has the level {level!r} on row "
                    f"{offer.level_rows[level.casefold()]} too",
                )
            offer.level_rows[level.casefold()] = number
            offer.levels.append(
                {"name": level, "covers": values.get("covers"), "price": values.get("price")}
            )
    return list(grouped.values())


_PRICE_FIELDS = {
    "year",
    "valid_from",
    "unit",
    "base_price",
    "vat_included",
    "overhead_percent",
    "budgeted_occupancy_percent",
    "add_ons",
}


def _commands(offer: _Offer, problems: _Problems) -> tuple[OfferContent, PriceListPublish] | None:
    values = {k: v for k, v in offer.values.items() if v is not None}
    content = {k: v for k, v in values.items() if k in OFFER_COLUMNS and k != "offer"}
    content["name"] = values["offer"]
    prices = {k: v for k, v in values.items() if k in _PRICE_FIELDS}
    prices["levels"] = offer.levels
    found: list[Any] = []
    for model, data in ((OfferContent, content), (PriceListPublish, prices)):
        try:
            found.append(model.model_validate(data))
        except ValidationError as error:
            for problem in from_validation_error(error).errors:
                column = _column_of(problem.field or [])
                problems.add(problem.code, offer.first_row, column, problem.message)
    return (found[0], found[1]) if len(found) == 2 else None


def _column_of(path: Sequence[str]) -> str:
    if not path:
        return "offer"
    if path[0] == "name":
        return "offer"
    if path[0] == "levels" and len(path) > 2:
        return {"name": "price_level"}.get(path[2], path[2])
    return path[0]


def read(table: Table) -> list[tuple[int, OfferContent, PriceListPublish]]:
    """Every offer of the rows as the commands that make it (row of its first line), or
    DomainErrors naming every row and column at fault."""
    problems = _Problems()
    columns = _check_header(table)
    grouped = _group(table, columns, problems)
    commands = []
    for offer in grouped:
        made = _commands(offer, problems)
        if made is not None:
            commands.append((offer.first_row, *made))
    problems.raise_any()
    if not commands:
        raise DomainError(ErrorCode.REQUIRED, "The file has no offers.", ["rows"])
    return commands


# --- in: applying -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportResult:
    dry_run: bool
    offer_ids: list[uuid.UUID]
    offers: int
    price_levels: int


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back."""


async def _existing_names(provider_id: uuid.UUID) -> dict[str, str]:
    rows = await Offer.select(Offer.name_key, Offer.name).where(Offer.provider == provider_id)
    return {row["name_key"]: row["name"] for row in rows}


async def _apply(
    principal: Principal,
    provider_id: uuid.UUID,
    commands: Sequence[tuple[int, OfferContent, PriceListPublish]],
    problems: _Problems,
) -> list[uuid.UUID]:
    existing = await _existing_names(provider_id)
    made = []
    for row, content, prices in commands:
        if content.name.casefold() in existing:
            problems.add(
                ErrorCode.DUPLICATE, row, "offer", f"the provider already has {content.name!r}"
            )
            continue
        try:
            offer = await offers.create_offer(principal, provider_id, content)
            await pricing.publish_price_list(principal, offer.id, prices)
        except DomainErrors as errors:
            for error in errors.errors:
                problems.add(error.code, row, _column_of(error.field or []), error.message)
            continue
        except DomainError as error:
            if error.code in (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND):
                raise
            problems.add(error.code, row, _column_of(error.field or []), error.message)
            continue
        made.append(offer.id)
    return made


async def import_offers(
    principal: Principal, provider_id: uuid.UUID, table: Table, *, dry_run: bool
) -> ImportResult:
    """Create the offers of the rows (drafts) with their price lists, all or nothing."""
    commands = read(table)
    problems = _Problems()
    result = ImportResult(
        dry_run, [], len(commands), sum(len(p.levels) or 1 for _, _, p in commands)
    )
    try:
        async with all_or_nothing():
            made = await _apply(principal, provider_id, commands, problems)
            problems.raise_any()
            result = ImportResult(dry_run, made, result.offers, result.price_levels)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return ImportResult(True, [], result.offers, result.price_levels)
    return result
