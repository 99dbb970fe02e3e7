"""Helpers for agreement tests: a North Jutland agreement and its callers."""

from __future__ import annotations

import datetime
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
)
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role

NORD = "1081"
NORD_STEERING = Principal(subject="test:das", org_code=NORD, role=Role.STEERING)
MIDT_STEERING = Principal(subject="test:midt", org_code="1082", role=Role.STEERING)
AALBORG_PURCHASER = Principal(subject="test:aalborg", org_code="851", role=Role.PURCHASER)
THIS_YEAR = today().year


def agreement_command(**overrides: Any) -> AgreementCreate:
    values: dict[str, Any] = {
        "region_code": NORD,
        "name": f"Nordjysk Socialaftale {THIS_YEAR}-{THIS_YEAR + 1}",
        "valid_from": datetime.date(THIS_YEAR, 1, 1),
        "valid_to": datetime.date(THIS_YEAR + 1, 12, 31),
        "steering_group": "DAS",
        "vision": "Egenmestring",
        "approval_deadline": today() + datetime.timedelta(days=30),
        "focus_areas": [{"title": "Sammen om en stærk socialpsykiatri", "text": "Kompetencer"}],
        "documents": [{"title": "Socialaftalen", "url": "https://rammeaftalernord.dk/"}],
        "milestones": [
            {"title": "DAS udpeger vision", "starts_on": datetime.date(THIS_YEAR - 1, 10, 24)},
            {
                "title": "Skriftlig høring",
                "starts_on": datetime.date(THIS_YEAR - 1, 11, 1),
                "ends_on": datetime.date(THIS_YEAR - 1, 12, 31),
            },
        ],
    }
    return AgreementCreate.model_validate({**values, **overrides})


def rules(**overrides: Any) -> AgreementRules:
    values: dict[str, Any] = {
        "notice": [
            {"days": 60},
            {"category": "residential", "days": 120},
            {"category": "residential", "legal_basis": "SEL-107", "days": 45},
        ],
        "billing": {"bill_first_day": True, "bill_last_day": False, "payment_term_days": 30},
        "overhead_cap_percent": Decimal("4.5"),
        "occupancy": {"min_percent": 95, "max_percent": 100, "min_percent_acute_respite": 90},
        "budget_regulation_percent": 70,
        "allowed_budget_deviation_percent": 3,
        "carry_over_percent": 5,
        "reserve_years": 5,
        "new_offer_conditions": ["lower_occupancy_pct", "objective_financing_startup"],
    }
    return AgreementRules.model_validate({**values, **overrides})


async def agreement_in_force(
    *, with_rules: AgreementRules | None = None, **overrides: Any
) -> AgreementView:
    """Made by the steering group, with rules, sent for approval and approved by every party."""
    agreement = await service.create_agreement(NORD_STEERING, agreement_command(**overrides))
    await service.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(valid_from=agreement.valid_from, rules=with_rules or rules()),
    )
    await service.update_agreement(
        NORD_STEERING, agreement.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )
    for party in agreement.parties:
        await service.record_decision(
            NORD_STEERING,
            agreement.id,
            CouncilDecisionRecord(
                party_code=party,
                decision="approved",
                body="Regionsrådet" if party == NORD else "Byrådet",
                decided_on=today() - datetime.timedelta(days=3),
            ),
        )
    made = await service.get_agreement(NORD_STEERING, agreement.id)
    assert made is not None
    return made
