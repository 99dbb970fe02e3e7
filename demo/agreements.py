"""Demo agreements for `socialmarked seed`.

- Nordjysk Socialaftale 2021-2022, as Rebild Kommune's approval describes it (seed 003): its
  process dates, its vision (egenmestring) and three focus areas, every council's approval,
  and Birken and Kvisten in the emergency track. It expired at the end of 2022.
- One agreement in force for every region (last year and this), with example rules, clearly
  marked as examples, the unique offers of North Jutland and a special condition with the
  municipalities' choices.
- The next period's agreements in varied states: sent for approval with decisions missing
  (one past its deadline, one with a rejection), in consultation, a draft.

Rules the sources did not give are example values (``is_example``), not any region's own.
Seeding twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementCreate,
    AgreementRules,
    AgreementStatus,
    AgreementUpdate,
    AgreementView,
    CouncilDecisionRecord,
    RuleSetInput,
    SpecialConditionApprove,
    SpecialConditionOptIn,
    UniqueOfferStatusSet,
)
from agreements.frameworks.tables import Agreement
from marketplace.core.clock import today
from marketplace.core.identity import SYSTEM
from marketplace.offers.models import SpecialCondition
from marketplace.offers.tables import Offer
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.reference import region_records

NORTH = "1081"
_STEERING = {
    "1081": "Den Administrative Styregruppe på Socialområdet (DAS)",
    "1082": "Styregruppen for Rammeaftale Midt",
    "1083": "Socialdirektørforum Syddanmark",
    "1084": "Embedsmandsudvalget for Socialområdet i Hovedstaden",
    "1085": "Styregruppen for Rammeaftale Sjælland",
}
_NAMES = {
    "1081": "Nordjysk Socialaftale",
    "1082": "Rammeaftale Midt",
    "1083": "Rammeaftale Syddanmark",
    "1084": "Rammeaftale Hovedstaden",
    "1085": "Rammeaftale Sjælland",
}
_EXAMPLE_NOTE = "Eksempelværdier i demodata, ikke regionens egne regler."


def _codes(*labels: str) -> list[str]:
    by_label = {r.label_da: r.code for r in target_group_records()}
    return [by_label[label] for label in labels]


def _rules(region: str) -> AgreementRules:
    """Example rules, varied a little by region, within the figures DOMAIN C3-C9 gives."""
    residential = {"1081": 90, "1082": 90, "1083": 60, "1084": 90, "1085": 75}[region]
    return AgreementRules.model_validate(
        {
            "notice": [
                {"days": 30},
                {"category": "residential", "days": residential},
                {"category": "residential", "legal_basis": "SEL-107", "days": 60},
                {"legal_basis": "SEL-84", "days": 14},
                # support in one's own home: the rest of the month plus one month
                {"legal_basis": "SEL-85", "convention": "month_end", "months": 1},
            ],
            "billing": {
                "bill_first_day": True,
                "bill_last_day": region != "1083",
                "invoice_frequency": "monthly",
                "payment_term_days": 30,
            },
            "overhead_cap_percent": "6" if region == "1084" else "4.5",
            "overhead_cap_advisory": region == "1084",
            "occupancy": {"min_percent": 95, "max_percent": 100, "min_percent_acute_respite": 90},
            "budget_regulation_percent": 70,
            "allowed_budget_deviation_percent": 3,
            "carry_over_percent": 5,
            "reserve_years": 5,
            "reserve_rules": "Overskud op til 5 % kan hensættes og skal bruges inden for 5 år.",
            "new_offer_conditions": [c.value for c in SpecialCondition],
            "small_group_occupancy_percent": 85,
            "notes": _EXAMPLE_NOTE,
        }
    )


NORDJYSK_2021 = {
    "region_code": NORTH,
    "name": "Nordjysk Socialaftale 2021-2022",
    "valid_from": datetime.date(2021, 1, 1),
    "valid_to": datetime.date(2022, 12, 31),
    "steering_group": _STEERING[NORTH],
    "approval_deadline": datetime.date(2020, 11, 30),
    "vision": (
        "Egenmestring: alle borgere skal have mulighed og redskaber til at kunne mestre så meget "
        "af sit eget liv som muligt. Øget egenmestring med fokus på den enkelte borgers behov og "
        "ressourcer kan give borgeren øget frihed, livskvalitet og selvbestemmelse."
    ),
    "focus_areas": [
        {
            "title": "Sammen om en stærk socialpsykiatri",
            "text": (
                "Stigningen i borgere med psykiske vanskeligheder, som modtager ydelser fra det "
                "specialiserede socialområde; kompetencer og indsatser inden for området."
            ),
            "target_groups": _codes(
                "Angst",
                "Depression",
                "Forandret virkelighedsopfattelse",
                "Personlighedsforstyrrelse",
            ),
        },
        {
            "title": "Den gode alderdom",
            "text": (
                "Borgere med udviklingshæmning, som får demens: fælles kompetencer, tværfaglighed "
                "og de bedst mulige løsninger til borgernes behov."
            ),
            "target_groups": _codes("Udviklingshæmning", "Demens"),
        },
        {
            "title": "Effektive og vidensbaserede løsninger",
            "text": (
                "De rette incitamenter til indsatser med fokus på borgerens behov og progression; "
                "samarbejde om udvikling og vidensdeling af effektive indsatser."
            ),
        },
    ],
    "documents": [
        {"title": "Rammeaftaler Nord (sekretariatet)", "url": "https://rammeaftalernord.dk/"},
    ],
    "milestones": [
        {
            "title": "DAS udpeger vision og fokusområder",
            "starts_on": datetime.date(2019, 10, 24),
        },
        {
            "title": "Skriftlig høring i de nordjyske handicapråd og socialudvalg",
            "starts_on": datetime.date(2019, 11, 1),
            "ends_on": datetime.date(2020, 1, 31),
        },
        {
            "title": "Politisk visionsdag",
            "starts_on": datetime.date(2020, 2, 3),
            "description": "Ca. 100 deltagere: brugerorganisationer, brugere, politikere og embedsmænd.",
        },
        {
            "title": "Online workshops med fagfolk fra kommuner og region",
            "starts_on": datetime.date(2020, 6, 1),
            "ends_on": datetime.date(2020, 6, 30),
        },
        {
            "title": "Behandling i DAS og KKR",
            "starts_on": datetime.date(2020, 8, 1),
            "ends_on": datetime.date(2020, 9, 30),
        },
        {
            "title": "Behandling i de nordjyske byråd og regionsrådet",
            "starts_on": datetime.date(2020, 9, 1),
            "ends_on": datetime.date(2020, 11, 30),
        },
        {"title": "Frist for politisk behandling", "starts_on": datetime.date(2020, 11, 30)},
    ],
}


def _period_agreement(region: str, first_year: int) -> dict[str, Any]:
    return {
        "region_code": region,
        "name": f"{_NAMES[region]} {first_year}-{first_year + 1}",
        "valid_from": datetime.date(first_year, 1, 1),
        "valid_to": datetime.date(first_year + 1, 12, 31),
        "steering_group": _STEERING[region],
        "approval_deadline": datetime.date(first_year - 1, 11, 30),
        "vision": "Demodata: en fælles retning for det specialiserede socialområde i regionen.",
    }


async def _create(data: dict[str, Any]) -> AgreementView | None:
    """The agreement, unless one of that name exists already (then None)."""
    if await Agreement.exists().where(Agreement.name == data["name"]).run():
        return None
    return await service.create_agreement(
        SYSTEM, AgreementCreate.model_validate(data), is_demo=True
    )


async def _send(agreement: AgreementView) -> None:
    await service.update_agreement(
        SYSTEM, agreement.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )


async def _decide(
    agreement: AgreementView,
    parties: list[str],
    decided_on: datetime.date,
    decision: str = "approved",
) -> None:
    for i, party in enumerate(parties):
        await service.record_decision(
            SYSTEM,
            agreement.id,
            CouncilDecisionRecord(
                party_code=party,
                decision=decision,
                body="Regionsrådet" if len(party) == 4 else "Byrådet",
                decided_on=decided_on + datetime.timedelta(days=3 * i),
                reference=f"Demodata: dagsordenspunkt {party}-{decided_on.year}",
            ),
        )


# The regional council approved Nordjysk Socialaftale 2021-2022 on 24 November 2020; no
# source gives the municipal councils' dates, so theirs are example dates, marked as such,
# before the deadline of 30 November 2020.
NORTH_REGION_APPROVED = datetime.date(2020, 11, 24)
EXAMPLE_DATE = "Eksempeldato i demodata: ingen kilde angiver byrådets dato."


async def _nordjysk_decisions(agreement: AgreementView) -> None:
    municipalities = [p for p in agreement.parties if len(p) == 3]
    for i, party in enumerate(municipalities):
        await service.record_decision(
            SYSTEM,
            agreement.id,
            CouncilDecisionRecord(
                party_code=party,
                decision="approved",
                body="Byrådet",
                decided_on=datetime.date(2020, 10, 26) + datetime.timedelta(days=2 * i),
                reference=EXAMPLE_DATE,
            ),
        )
    await service.record_decision(
        SYSTEM,
        agreement.id,
        CouncilDecisionRecord(
            party_code=NORTH,
            decision="approved",
            body="Regionsrådet",
            decided_on=NORTH_REGION_APPROVED,
            reference="Regionsrådets møde 24. november 2020",
        ),
    )


async def _offer_id(name: str) -> Any:
    row = await Offer.select(Offer.id).where(Offer.name == name).first().run()
    return row["id"] if row else None


async def _north_decisions(agreement: AgreementView, year: int) -> None:
    """Unique offers in the reinforced cooperation and the emergency track that year."""
    decisions = (
        ("Birken", "emergency_track", "Arbejdsgruppe under DAS med Aalborg Kommune"),
        ("Kvisten", "emergency_track", "Arbejdsgruppe under DAS med Region Nordjylland"),
    )
    for name, status, group in decisions:
        offer_id = await _offer_id(name)
        if offer_id is None:
            continue
        await service.set_unique_status(
            SYSTEM,
            agreement.id,
            UniqueOfferStatusSet(
                offer_id=offer_id,
                year=year,
                status=status,
                recommended_by="Ekspertpanelet",
                working_group=group,
                progress=(
                    "Udfordret på bæredygtigheden; arbejdsgruppen kommer med forslag til, hvordan "
                    "der fortsat kan være indsatser til målgruppen."
                    if group
                    else "Fulgt i det forstærkede samarbejde."
                ),
                decided_on=datetime.date(year - 1, 12, 1),
            ),
        )


async def _special_condition(agreement: AgreementView) -> None:
    offer_id = await _offer_id("Spiseforstyrrelsescentret Nord")
    if offer_id is None:
        return
    approval = await service.approve_special_condition(
        SYSTEM,
        agreement.id,
        SpecialConditionApprove(
            offer_id=offer_id,
            condition=SpecialCondition.LOWER_OCCUPANCY_PCT,
            approved_by="DAS",
            approved_on=agreement.valid_from - datetime.timedelta(days=30),
            valid_from=agreement.valid_from,
            valid_to=agreement.valid_to,
            occupancy_percent=Decimal(85),
            notes="Demodata: nyt tilbud til en lille målgruppe; lavere belægningsprocent i opstarten.",
        ),
    )
    for code, joined in (("851", True), ("860", True), ("849", False), ("813", True)):
        await service.opt_in(
            SYSTEM,
            approval.id,
            SpecialConditionOptIn(
                municipality_code=code, opted_in=joined, decided_on=agreement.valid_from
            ),
        )


async def seed_demo_agreements(on_each: Callable[[str], None] | None = None) -> int:
    """Add the demo agreements that are missing; return how many were added."""
    year = today().year
    added = 0

    def done(name: str) -> None:
        if on_each is not None:
            on_each(name)

    historic = await _create(NORDJYSK_2021)
    if historic is not None:
        await service.set_rules(
            SYSTEM,
            historic.id,
            RuleSetInput(valid_from=historic.valid_from, rules=_rules(NORTH), is_example=True),
        )
        await _send(historic)
        await _nordjysk_decisions(historic)
        await _north_decisions(historic, 2021)
        added += 1
    done(str(NORDJYSK_2021["name"]))
    for region in sorted(region_records()):
        current = await _create(_period_agreement(region, year - 1))
        if current is not None:
            await service.set_rules(
                SYSTEM,
                current.id,
                RuleSetInput(valid_from=current.valid_from, rules=_rules(region), is_example=True),
            )
            await _send(current)
            await _decide(current, current.parties, datetime.date(year - 2, 9, 10))
            if region == NORTH:
                await _north_decisions(current, year)
                await _special_condition(current)
            added += 1
        done(_period_agreement(region, year - 1)["name"])
    # the next period, in varied states
    upcoming = {"1081": "sent", "1084": "sent_late", "1082": "consultation", "1083": "draft"}
    for region, state in upcoming.items():
        data = _period_agreement(region, year + 1)
        if state == "sent_late":
            data["approval_deadline"] = datetime.date(year, 10, 15)
        nxt = await _create(data)
        if nxt is not None:
            await service.set_rules(
                SYSTEM,
                nxt.id,
                RuleSetInput(valid_from=nxt.valid_from, rules=_rules(region), is_example=True),
            )
            if state == "consultation":
                await service.update_agreement(
                    SYSTEM, nxt.id, AgreementUpdate(status=AgreementStatus.IN_CONSULTATION)
                )
            elif state.startswith("sent"):
                await _send(nxt)
                parties = nxt.parties
                if state == "sent":  # all but three have approved
                    await _decide(nxt, parties[:-3], datetime.date(year, 9, 8))
                else:  # half have approved, one has rejected
                    half = len(parties) // 2
                    await _decide(nxt, parties[:half], datetime.date(year, 9, 1))
                    await _decide(nxt, [parties[half]], datetime.date(year, 10, 1), "rejected")
            added += 1
        done(data["name"])
    return added


def planned_agreement_count() -> int:
    return 1 + len(region_records()) + 4
