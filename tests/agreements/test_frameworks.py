"""The agreement registry: a steering group builds an agreement, the councils decide, it goes
in force by unanimity, and its rules act where they apply (contracts, price lists)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementRules,
    AgreementStatus,
    AgreementUpdate,
    CouncilDecisionRecord,
    RuleSetInput,
    SpecialConditionApprove,
    SpecialConditionOptIn,
    UniqueOfferStatusSet,
)
from agreements.frameworks.rulebook import applicable_rules
from agreements.frameworks.tables import Agreement, CouncilDecision, RuleSet
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import UniqueOfferStatus
from marketplace.search import service as search
from marketplace.search.models import SearchCriteria
from tests.agreements.world import (
    AALBORG_PURCHASER,
    MIDT_STEERING,
    NORD,
    NORD_STEERING,
    THIS_YEAR,
    agreement_command,
    agreement_in_force,
    rules,
)
from tests.factories import REGISTRY_ADMIN, price_list
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    ENGLY_ADMIN,
    build_market,
    contract_for,
)

NORTH_JUTLAND = {
    "773",
    "787",
    "810",
    "813",
    "820",
    "825",
    "840",
    "846",
    "849",
    "851",
    "860",
}


def decision(party: str, kind: str = "approved", **overrides: Any) -> CouncilDecisionRecord:
    values = {
        "party_code": party,
        "decision": kind,
        "body": "Byrådet",
        "decided_on": today() - datetime.timedelta(days=1),
        "reference": f"Sag {party}",
    }
    return CouncilDecisionRecord.model_validate({**values, **overrides})


async def test_a_steering_group_builds_an_agreement_and_the_councils_put_it_in_force() -> None:
    agreement = await service.create_agreement(NORD_STEERING, agreement_command())
    assert agreement.status is AgreementStatus.DRAFT
    assert set(agreement.parties) == NORTH_JUTLAND | {NORD}  # 11 municipalities and the region
    assert [m.title for m in agreement.milestones] == ["DAS udpeger vision", "Skriftlig høring"]
    with pytest.raises(DomainError) as error:  # decisions only once sent for approval
        await service.record_decision(NORD_STEERING, agreement.id, decision("851"))
    assert error.value.code is ErrorCode.INVALID_STATE
    for status in (AgreementStatus.IN_CONSULTATION, AgreementStatus.SENT_FOR_APPROVAL):
        agreement = await service.update_agreement(
            NORD_STEERING, agreement.id, AgreementUpdate(status=status)
        )
    assert agreement.status is AgreementStatus.SENT_FOR_APPROVAL

    first = await service.record_decision(NORD_STEERING, agreement.id, decision("851"))
    assert (len(first.approved), len(first.missing), first.days_to_deadline) == (1, 11, 30)
    assert not first.unanimous
    for party in sorted(NORTH_JUTLAND - {"851"}):
        status = await service.record_decision(NORD_STEERING, agreement.id, decision(party))
    assert status.missing == [NORD] and status.status is AgreementStatus.SENT_FOR_APPROVAL
    last = await service.record_decision(
        NORD_STEERING, agreement.id, decision(NORD, body="Regionsrådet")
    )
    assert last.unanimous and last.status is AgreementStatus.IN_FORCE
    active = await service.list_agreements(AALBORG_PURCHASER, PageRequest(), active_on=today())
    assert [a.id for a in active.items] == [agreement.id]


async def test_a_rejection_keeps_the_agreement_out_of_force() -> None:
    agreement = await service.create_agreement(
        NORD_STEERING, agreement_command(parties=["851", "849", NORD])
    )
    await service.update_agreement(
        NORD_STEERING, agreement.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )
    await service.record_decision(NORD_STEERING, agreement.id, decision("851"))
    await service.record_decision(NORD_STEERING, agreement.id, decision("849", "rejected"))
    status = await service.record_decision(NORD_STEERING, agreement.id, decision(NORD))
    assert (status.status, status.rejected, status.unanimous) == (
        AgreementStatus.SENT_FOR_APPROVAL,
        ["849"],
        False,
    )
    with pytest.raises(DomainError) as error:
        await service.update_agreement(
            NORD_STEERING, agreement.id, AgreementUpdate(status=AgreementStatus.IN_FORCE)
        )
    assert error.value.code is ErrorCode.INVALID_STATE


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"parties": ["851", "101"]}, ErrorCode.INVALID, ["parties"]),  # Copenhagen
        ({"parties": ["851", "851"]}, ErrorCode.INVALID, ["parties"]),
    ],
)
async def test_parties_belong_to_the_region(
    overrides: dict[str, Any], code: ErrorCode, field: list[str]
) -> None:
    with pytest.raises(DomainError) as error:
        await service.create_agreement(NORD_STEERING, agreement_command(**overrides))
    assert (error.value.code, error.value.field) == (code, field)
    assert await Agreement.count().run() == 0


async def test_one_agreement_at_a_time_per_region() -> None:
    await service.create_agreement(NORD_STEERING, agreement_command())
    later = agreement_command(
        name="Overlappende aftale",
        valid_from=datetime.date(THIS_YEAR + 1, 1, 1),
        valid_to=datetime.date(THIS_YEAR + 2, 12, 31),
    )
    with pytest.raises(DomainError) as error:
        await service.create_agreement(NORD_STEERING, later)
    assert error.value.field == ["valid_from"]
    assert await Agreement.count().run() == 1
    # the next period is fine, and another region's agreement may overlap this one
    await service.create_agreement(
        NORD_STEERING,
        agreement_command(
            name="Næste aftale",
            valid_from=datetime.date(THIS_YEAR + 2, 1, 1),
            valid_to=datetime.date(THIS_YEAR + 3, 12, 31),
        ),
    )
    await service.create_agreement(
        MIDT_STEERING, agreement_command(region_code="1082", name="Midt", parties=None)
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"notice": [{"days": -1}]}, "notice"),
        ({"notice": [{"days": 30}], "overhead_cap_percent": "101"}, "overhead_cap_percent"),
        ({"notice": [{"days": 30}], "carry_over_percent": "-5"}, "carry_over_percent"),
        (
            {"notice": [{"days": 30}], "occupancy": {"min_percent": 98, "max_percent": 95}},
            "occupancy",
        ),
        ({"notice": [{"days": 30}], "billing": {"payment_term_days": 45}}, "billing"),
        ({"notice": [{"days": 30}, {"days": 40}]}, "notice"),
    ],
)
def test_bad_rules_are_refused(data: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as error:
        parse(AgreementRules, data, ["input", "rules"])
    assert error.value.field is not None and error.value.field[2] == field


async def test_who_may_change_an_agreement() -> None:
    agreement = await service.create_agreement(NORD_STEERING, agreement_command())
    for outsider, code in (
        (MIDT_STEERING, ErrorCode.PERMISSION_DENIED),
        (AALBORG_PURCHASER, ErrorCode.PERMISSION_DENIED),
    ):
        with pytest.raises(DomainError) as error:
            await service.update_agreement(outsider, agreement.id, AgreementUpdate(vision="Andet"))
        assert error.value.code is code
    changed = await service.update_agreement(
        REGISTRY_ADMIN, agreement.id, AgreementUpdate(vision="Livskvalitet")
    )
    assert changed.vision == "Livskvalitet"
    assert await service.get_agreement(AALBORG_PURCHASER, agreement.id) is not None  # readers


async def test_a_decision_is_recorded_once_per_party() -> None:
    agreement = await agreement_in_force(parties=["851", NORD])
    assert agreement.status is AgreementStatus.IN_FORCE
    with pytest.raises(DomainError) as error:
        await service.record_decision(NORD_STEERING, agreement.id, decision("851"))
    assert error.value.code is ErrorCode.INVALID_STATE  # it is in force; nothing more to decide
    second = await service.create_agreement(
        NORD_STEERING,
        agreement_command(
            name="Næste",
            valid_from=datetime.date(THIS_YEAR + 2, 1, 1),
            valid_to=datetime.date(THIS_YEAR + 3, 12, 31),
            parties=["851", NORD],
        ),
    )
    await service.update_agreement(
        NORD_STEERING, second.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )
    await service.record_decision(NORD_STEERING, second.id, decision("851"))
    with pytest.raises(DomainError) as error:
        await service.record_decision(NORD_STEERING, second.id, decision("851", "rejected"))
    assert error.value.code is ErrorCode.DUPLICATE
    with pytest.raises(DomainError) as error:
        await service.record_decision(NORD_STEERING, second.id, decision("849"))
    assert error.value.field == ["party_code"]
    assert await CouncilDecision.count().where(CouncilDecision.agreement == second.id).run() == 1


async def test_rules_are_versioned_by_their_first_day() -> None:
    agreement = await agreement_in_force()
    mid = datetime.date(THIS_YEAR + 1, 1, 1)
    await service.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(valid_from=mid, rules=rules(notice=[{"days": 30}])),
    )
    corrected = await service.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(valid_from=mid, rules=rules(notice=[{"days": 35}])),
    )
    assert corrected.version == 2
    sets = await service.rule_sets(agreement.id)
    assert [(s.valid_from, s.valid_to, s.version) for s in sets] == [
        (agreement.valid_from, mid - datetime.timedelta(days=1), 1),
        (mid, agreement.valid_to, 2),
    ]
    row = await Agreement.select().where(Agreement.id == agreement.id).first().run()
    assert row is not None
    on_new_year = await service.rules_on(row, mid)
    assert on_new_year is not None and on_new_year.rules.notice[0].days == 35
    with pytest.raises(DomainError) as error:
        await service.set_rules(
            NORD_STEERING,
            agreement.id,
            RuleSetInput(valid_from=datetime.date(THIS_YEAR + 5, 1, 1), rules=rules()),
        )
    assert error.value.field == ["valid_from"]
    assert await RuleSet.count().run() == 3


async def test_a_contract_in_the_region_takes_the_agreements_notice_and_billing() -> None:
    market = await build_market()
    await agreement_in_force()
    contract = await contract_for(market.aalborg_offer_id, AALBORG_PROVIDER_ADMIN)
    assert contract.notice_days == 120  # residential, not § 107
    assert (contract.bill_first_day, contract.bill_last_day) == (True, False)
    assert contract.rules_source.startswith(
        f"Nordjysk Socialaftale {THIS_YEAR}-{THIS_YEAR + 1}, rules from"
    )
    # a private provider's offer is outside the agreements: its price list's terms
    stated = price_list(THIS_YEAR, notice_days=28, bill_last_day=False, reason="Egne vilkår")
    await pricing.publish_price_list(ENGLY_ADMIN, market.offer_id, stated)
    private = await contract_for(market.offer_id, ENGLY_ADMIN, AALBORG)
    assert (private.notice_days, private.bill_last_day) == (28, False)
    assert "outside the regional agreements" in private.rules_source


async def test_a_price_list_above_the_overhead_cap_is_refused_and_advisory_rules_warn() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    next_year = THIS_YEAR + 1
    too_much = price_list(
        next_year,
        overhead_percent=Decimal("6"),
        budgeted_occupancy_percent=Decimal("96"),
        reason="Ny",
    )
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(AALBORG_PROVIDER_ADMIN, market.aalborg_offer_id, too_much)
    assert (error.value.code, error.value.field) == (
        ErrorCode.RULE_BROKEN,
        ["overhead_percent"],
    )
    within = price_list(
        next_year,
        overhead_percent=Decimal("4.5"),
        budgeted_occupancy_percent=Decimal("96"),
        reason="Ny",
    )
    published = await pricing.publish_price_list(
        AALBORG_PROVIDER_ADMIN, market.aalborg_offer_id, within
    )
    assert published.warnings == []
    # an advisory occupancy band warns and lets the price list through
    await service.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(
            valid_from=datetime.date(next_year, 1, 1),
            rules=rules(occupancy={"min_percent": 97, "max_percent": 100, "advisory": True}),
        ),
    )
    warned = await pricing.publish_price_list(
        AALBORG_PROVIDER_ADMIN, market.aalborg_offer_id, within
    )
    assert [w.field for w in warned.warnings] == ["budgeted_occupancy_percent"]
    assert "97% to 100%" in warned.warnings[0].message
    # a private provider's price list is not the agreement's concern
    await pricing.publish_price_list(ENGLY_ADMIN, market.offer_id, too_much)


async def test_special_conditions_for_a_new_offer_and_the_municipalities_choices() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    approve = SpecialConditionApprove(
        offer_id=market.aalborg_offer_id,
        condition="lower_occupancy_pct",
        approved_by="DAS",
        approved_on=today(),
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        occupancy_percent=Decimal(85),
    )
    approved = await service.approve_special_condition(NORD_STEERING, agreement.id, approve)
    assert approved.parameters == {"occupancy_percent": "85"}
    offer = await offers.get_offer(AALBORG_PURCHASER, market.aalborg_offer_id)
    assert offer is not None and [c.value for c in offer.special_conditions] == [
        "lower_occupancy_pct"
    ]
    joined = await service.opt_in(
        AALBORG_PURCHASER,
        approved.id,
        SpecialConditionOptIn(municipality_code="851", opted_in=True, decided_on=today()),
    )
    out = await service.opt_in(
        NORD_STEERING,
        approved.id,
        SpecialConditionOptIn(municipality_code="849", opted_in=False, decided_on=today()),
    )
    assert [(c.municipality, c.opted_in) for c in out.choices] == [("849", False), ("851", True)]
    assert joined.choices[0].municipality == "851"

    async def approvals(principal: Principal) -> list[tuple[str, str | None]]:
        """The approval as it shows in the offer's history to a reader."""
        page = await offers.offer_history(principal, market.aalborg_offer_id, PageRequest(100))
        return [(e.detail, e.actor) for e in page.items if e.kind == "special_condition_approved"]

    approval = "lower_occupancy_pct by DAS"
    assert await approvals(NORD_STEERING) == [(approval, NORD_STEERING.subject)]
    assert await approvals(AALBORG_PURCHASER) == [(approval, None)]  # what, not who
    assert await approvals(Principal.anonymous()) == []  # the registry is for signed-in users
    with pytest.raises(DomainError) as error:  # Aarhus is no party in North Jutland
        await service.opt_in(
            NORD_STEERING,
            approved.id,
            SpecialConditionOptIn(municipality_code="751", opted_in=True, decided_on=today()),
        )
    assert error.value.field == ["municipality_code"]
    with pytest.raises(DomainError) as error:  # a municipality speaks for itself only
        await service.opt_in(
            AALBORG_PURCHASER,
            approved.id,
            SpecialConditionOptIn(municipality_code="849", opted_in=True, decided_on=today()),
        )
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    with pytest.raises(DomainError) as error:  # the rules allow only some conditions
        await service.approve_special_condition(
            NORD_STEERING,
            agreement.id,
            SpecialConditionApprove.model_validate(
                {
                    **approve.model_dump(),
                    "condition": "collective_deficit_cover",
                    "occupancy_percent": None,
                }
            ),
        )
    assert error.value.field == ["condition"]
    with pytest.raises(DomainError) as error:  # the private offer lies in Central Denmark
        await service.approve_special_condition(
            NORD_STEERING,
            agreement.id,
            SpecialConditionApprove.model_validate(
                {**approve.model_dump(), "offer_id": market.offer_id}
            ),
        )
    assert error.value.code is ErrorCode.NOT_FOUND


async def test_the_emergency_track_reaches_the_catalogue_and_search() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    command = UniqueOfferStatusSet(
        offer_id=market.aalborg_offer_id,
        year=THIS_YEAR,
        status="emergency_track",
        recommended_by="Ekspertpanelet",
        working_group="Aalborg, Hjørring og Region Nordjylland",
        progress="Forslag til bæredygtig drift i 1. kvartal",
        decided_on=today(),
    )
    decided = await service.set_unique_status(NORD_STEERING, agreement.id, command)
    assert decided.status is UniqueOfferStatus.EMERGENCY_TRACK
    found = await search.search_offers(
        AALBORG, SearchCriteria(unique_statuses=["emergency_track"]), PageRequest()
    )
    assert [h.offer.id for h in found.hits] == [market.aalborg_offer_id]
    later = UniqueOfferStatusSet.model_validate({**command.model_dump(), "year": THIS_YEAR + 9})
    with pytest.raises(DomainError) as error:
        await service.set_unique_status(NORD_STEERING, agreement.id, later)
    assert error.value.field == ["year"]


async def test_applicable_rules_explain_which_agreement_and_rule_apply() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    explained = await applicable_rules(AALBORG_PURCHASER, market.aalborg_offer_id, today())
    assert explained.agreement is not None and explained.agreement.id == agreement.id
    assert explained.contract_rules.notice_days == 120
    assert explained.notice_rule is not None and explained.notice_rule.days == 120
    text = " ".join(explained.explanation)
    assert agreement.name in text and "Notice: 120 days, the rule for category residential." in text
    private = await applicable_rules(AALBORG_PURCHASER, market.offer_id, today())
    assert private.agreement is None
    assert "outside the regional agreements" in " ".join(private.explanation)
    before = await applicable_rules(
        AALBORG_PURCHASER, market.aalborg_offer_id, datetime.date(THIS_YEAR - 1, 6, 1)
    )
    assert before.agreement is None and "no agreement is in force" in " ".join(before.explanation)


async def test_an_agreement_past_its_period_is_expired() -> None:
    agreement = await agreement_in_force()
    await (
        Agreement.update(
            {
                Agreement.valid_from: datetime.date(2019, 1, 1),
                Agreement.valid_to: datetime.date(2020, 12, 31),
            }
        )
        .where(Agreement.id == agreement.id)
        .run()
    )
    expired = await service.get_agreement(AALBORG_PURCHASER, agreement.id)
    assert expired is not None and expired.status is AgreementStatus.EXPIRED
    old = await service.list_agreements(
        AALBORG_PURCHASER, PageRequest(), region_code=NORD, active_on=datetime.date(2020, 6, 1)
    )
    assert [a.id for a in old.items] == [agreement.id]
