"""Demo hourly support, delivered hours, invoices and a credit note, for last month (the month
before the seeding day's):

- Støttemodellen Gudenådalen, Bostedet Gudenådalen A/S' support in one's own home (SEL § 85)
  in three tiers after Randers' support model (seed 002), priced per hour with VAT included;
  Randers (730) buys tier 2 (mestringsvejledning) for a citizen, 4 hours a week, from the first
  day of the month before last (``FAKTURA-DEMO-1``). The provider reported 18.5 hours
  delivered last month, invoiced them (its invoice 1), and credited one visit of 2 hours that
  was cancelled (its credit note 1);
- Viborg (791) took a place at one of Region Midtjylland's long-term residential offers (SEL
  § 108, priced per day, none of the README's search and gap examples) 16 days before the end
  of last month (``FAKTURA-DEMO-2``), in place of a place the region had declared in use, and
  the region invoiced last month (its invoice 1).

The two provider-municipality pairs have no other demo contracts, so each invoice holds these
lines only. Seeding twice adds nothing.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from marketplace.contracts import hours, invoices, requests
from marketplace.contracts.models import (
    ContractView,
    CreditNoteIssue,
    DeliveredHoursReport,
    InvoiceIssue,
    PlacementRequestAccept,
    PlacementRequestCreate,
)
from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferContent, OfferStatus, PriceListPublish
from marketplace.offers.tables import Offer, OfferLegalBasis, OfferTargetGroup, PriceList
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.tables import Provider
from marketplace.search import index as search_index

PREFIX = "FAKTURA-DEMO-"
GUDENAADALEN, RANDERS = "39125544", "730"
MIDT, VIBORG = "1082", "791"
SUPPORT_NAME = "Støttemodellen Gudenådalen"
TIER_2 = "Trin 2: Mestringsvejledning"
HOURS_A_WEEK = Decimal(4)
DELIVERED = Decimal("18.5")
CANCELLED_VISIT = Decimal("1051.00")  # 2 hours at tier 2's 525.50 DKK
MID_MONTH_DAYS = 16  # the place was taken 16 days before the end of last month
# Offers for these groups make the README's search and gap figures; the demo leaves them be.
OTHER_EXAMPLES = (
    "Autismespektrum",
    "Selvskadende adfærd",
    "Stofmisbrug",
    "Alkoholmisbrug",
    "Spiseforstyrrelse",
)


def _provider(org: str) -> Principal:
    return Principal(subject="demo:provider", org_code=org, role=Role.PROVIDER_ADMIN)


def _purchaser(code: str) -> Principal:
    return Principal(subject="demo:visitation", org_code=code, role=Role.PURCHASER)


def last_month() -> datetime.date:
    """The first day of the month before the seeding day's."""
    return (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )


def _groups(*labels: str) -> list[str]:
    by_label = {r.label_da: r.code for r in target_group_records()}
    return [by_label[label] for label in labels]


def _support_content() -> OfferContent:
    return OfferContent.model_validate(
        {
            "name": SUPPORT_NAME,
            "description": (
                "Socialpædagogisk støtte i borgerens eget hjem efter servicelovens § 85, i tre "
                "trin som i Randers Kommunes støttemodel: råd og vejledning, mestringsvejledning "
                "og intensiv mestringsvejledning. Timerne aftales pr. uge og faktureres efter "
                "leverede timer. Demodata: en fiktiv privat leverandør."
            ),
            "category": "outpatient",
            "age_segment": "adults",
            "min_age": 18,
            "max_age": 99,
            "legal_bases": ["SEL-85"],
            "service_types": ["socialpaedagogisk_stoette", "raadgivning"],
            "target_groups": _groups("Angst", "Social isolation", "Stressbelastning"),
            "primary_target_group": _groups("Angst")[0],
            "methods": ["Motiverende samtale", "Recovery"],
            "street_address": "Ådalsvej 17",
            "postal_code": "8600",
            "city": "Silkeborg",
            "municipality_code": "740",
            "capacity_places": 40,
            "occupied_places": 0,
        }
    )


def _tiers(year: int) -> PriceListPublish:
    tiers = {
        "Trin 1: Råd og vejledning": Decimal("450.00"),
        TIER_2: Decimal("525.50"),
        "Trin 3: Intensiv mestringsvejledning": Decimal("640.00"),
    }
    return PriceListPublish.model_validate(
        {
            "year": year,
            "unit": "per_hour",
            "base_price": tiers["Trin 1: Råd og vejledning"],
            "levels": [
                {"name": name, "covers": f"{name} i borgerens eget hjem", "price": price}
                for name, price in tiers.items()
            ],
            "vat_included": True,
            "overhead_percent": Decimal("5.0"),
        }
    )


async def _support_offer() -> uuid.UUID:
    """Gudenådalen's tiered hourly support, published with this year's prices (made once)."""
    found = (
        await Offer.select(Offer.id)
        .where((Offer.name == SUPPORT_NAME) & (Offer.provider._.org_code == GUDENAADALEN))
        .first()
        .run()
    )
    if found is not None:
        return uuid.UUID(str(found["id"]))
    owner = _provider(GUDENAADALEN)
    offer = await offers.create_offer(owner, await _provider_id(GUDENAADALEN), _support_content())
    await pricing.publish_price_list(owner, offer.id, _tiers(today().year))
    await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Demodata")
    return offer.id


async def _backdated(contract: ContractView, began: datetime.date) -> None:
    await Contract.update({Contract.start_date: began}).where(Contract.id == contract.id).run()
    await (
        ContractTerm.update({ContractTerm.valid_from: began})
        .where(ContractTerm.contract == contract.id)
        .run()
    )
    await (
        PlacementRequest.update({PlacementRequest.desired_start: began})
        .where(PlacementRequest.id == contract.request_id)
        .run()
    )


async def _contract(
    buyer: str,
    provider: str,
    offer_id: uuid.UUID,
    number: int,
    began: datetime.date,
    **asked: object,
) -> ContractView:
    request = await requests.create_request(
        _purchaser(buyer),
        PlacementRequestCreate.model_validate(
            {
                "offer_id": offer_id,
                "citizen_ref": f"{PREFIX}{number}",
                "desired_start": today(),
                **asked,
            }
        ),
    )
    contract = await requests.accept_request(
        _provider(provider), request.id, PlacementRequestAccept()
    )
    await _backdated(contract, began)
    return contract


async def _support_invoice(month: datetime.date) -> None:
    """Randers' hourly support: the hours delivered last month, their invoice and a credit
    note for a cancelled visit."""
    offer_id = await _support_offer()
    before = (month - datetime.timedelta(days=1)).replace(day=1)
    contract = await _contract(
        RANDERS,
        GUDENAADALEN,
        offer_id,
        1,
        before,
        price_level=TIER_2,
        hours_per_week=HOURS_A_WEEK,
    )
    provider = _provider(GUDENAADALEN)
    await hours.report_hours(
        provider,
        contract.id,
        DeliveredHoursReport(
            month=month, hours=DELIVERED, note="Ugentlige besøg; et besøg flyttet. Demodata."
        ),
    )
    invoice = await invoices.issue_invoice(
        provider,
        await _provider_id(GUDENAADALEN),
        InvoiceIssue(municipality_code=RANDERS, month=month),
    )
    await invoices.issue_credit_note(
        provider,
        invoice.id,
        CreditNoteIssue(
            amount=CANCELLED_VISIT,
            reason="Et besøg på 2 timer blev aflyst af borgeren og faktureret ved en fejl. Demodata.",
        ),
    )


async def _provider_id(org: str) -> uuid.UUID:
    row = await Provider.select(Provider.id).where(Provider.org_code == org).first().run()
    assert row is not None, "seed the demo providers first"
    return uuid.UUID(str(row["id"]))


async def _residential_offer() -> dict[str, object]:
    """Region Midtjylland's first long-term residential offer for adults (SEL § 108, per day,
    none of the README's examples) with a place declared in use."""
    examples = OfferTargetGroup.select(OfferTargetGroup.offer).where(
        OfferTargetGroup.target_group.is_in(_groups(*OTHER_EXAMPLES))
    )
    per_day = PriceList.select(PriceList.offer).where(
        (PriceList.unit == "per_day") & (PriceList.year == today().year)
    )
    long_term = OfferLegalBasis.select(OfferLegalBasis.offer).where(
        OfferLegalBasis.legal_basis == "SEL-108"
    )
    row = (
        await Offer.select(Offer.id)
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & (Offer.provider._.org_code == MIDT)
            & (Offer.category == "residential")
            & (Offer.age_segment == "adults")
            & (Offer.unique_status == "none")
            & (Offer.occupied_places >= 1)
            & Offer.id.is_in(per_day)
            & Offer.id.is_in(long_term)
            & Offer.id.not_in(examples)
        )
        .order_by(Offer.name_key, Offer.id)
        .first()
        .run()
    )
    assert row is not None, "seed the demo offers first"
    return row


async def _mid_month_invoice(month: datetime.date) -> uuid.UUID:
    """Viborg's place at Region Midtjylland's offer, taken 16 days before the end of last
    month, and the region's invoice for last month."""
    offer = await _residential_offer()
    offer_id = uuid.UUID(str(offer["id"]))
    await (
        Offer.update({Offer.occupied_places: Offer.occupied_places - 1})
        .where(Offer.id == offer_id)
        .run()
    )
    began = _month_end(month) - datetime.timedelta(days=MID_MONTH_DAYS - 1)
    await _contract(VIBORG, MIDT, offer_id, 2, began)
    await invoices.issue_invoice(
        _provider(MIDT),
        await _provider_id(MIDT),
        InvoiceIssue(municipality_code=VIBORG, month=month),
    )
    return offer_id


async def seed_demo_invoices() -> int:
    """Add the demo's hourly contract, delivered hours, invoices and credit note unless they
    are there; return how many invoices it issued."""
    if await Contract.exists().where(Contract.citizen_ref.like(f"{PREFIX}%")).run():
        return 0
    month = last_month()
    await _support_invoice(month)
    touched = await _mid_month_invoice(month)
    await search_index.refresh([touched], today(), text=False)
    return 2
