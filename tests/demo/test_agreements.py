"""The demo agreements: Nordjysk Socialaftale 2021-2022 as seed 003 tells it, one agreement in
force per region with example rules, and the next period's in varied states."""

from __future__ import annotations

import datetime

from agreements.frameworks import service
from agreements.frameworks.models import AgreementStatus
from demo.agreements import planned_agreement_count, seed_demo_agreements
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.core.clock import today
from marketplace.core.pagination import PageRequest
from tests.agreements.world import AALBORG_PURCHASER, NORD_STEERING


async def test_the_demo_agreements() -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    assert await seed_demo_agreements() == planned_agreement_count() == 10
    assert await seed_demo_agreements() == 0  # idempotent
    every = (await service.list_agreements(AALBORG_PURCHASER, PageRequest(first=50))).items
    by_name = {a.name: a for a in every}

    nordjysk = by_name["Nordjysk Socialaftale 2021-2022"]
    assert nordjysk.status is AgreementStatus.EXPIRED
    assert nordjysk.vision.startswith("Egenmestring")
    assert [f.title for f in nordjysk.focus_areas] == [
        "Sammen om en stærk socialpsykiatri",
        "Den gode alderdom",
        "Effektive og vidensbaserede løsninger",
    ]
    assert [(m.starts_on, m.ends_on) for m in nordjysk.milestones][:3] == [
        (datetime.date(2019, 10, 24), None),
        (datetime.date(2019, 11, 1), datetime.date(2020, 1, 31)),
        (datetime.date(2020, 2, 3), None),
    ]
    assert nordjysk.approval_deadline == datetime.date(2020, 11, 30)
    status = await service.approval_status(AALBORG_PURCHASER, nordjysk.id)
    assert status is not None and status.unanimous and status.parties == 12
    tracked = await service.unique_decisions(agreement_ids=[nordjysk.id])
    # Birken and Kvisten; Center for Døvblindhed og Høretab is a national offer (seed 003),
    # not one of the reinforced cooperation's
    assert sorted((d.year, d.status.value) for d in tracked) == [
        (2021, "emergency_track"),
        (2021, "emergency_track"),
    ]

    active = await service.list_agreements(AALBORG_PURCHASER, PageRequest(), active_on=today())
    assert sorted(a.region_code for a in active.items) == ["1081", "1082", "1083", "1084", "1085"]
    for agreement in active.items:
        [rules] = await service.rule_sets(agreement.id)
        assert rules.is_example and "Eksempelværdier" in rules.rules.notes
    upcoming = {a.region_code: a.status for a in every if a.valid_from.year == today().year + 1}
    assert upcoming == {
        "1081": AgreementStatus.SENT_FOR_APPROVAL,
        "1082": AgreementStatus.IN_CONSULTATION,
        "1083": AgreementStatus.DRAFT,
        "1084": AgreementStatus.SENT_FOR_APPROVAL,
    }
    hovedstaden = next(
        a for a in every if a.region_code == "1084" and a.valid_from.year == today().year + 1
    )
    late = await service.approval_status(AALBORG_PURCHASER, hovedstaden.id)
    assert late is not None and late.rejected and late.missing
    assert late.days_to_deadline is not None and late.days_to_deadline < 0
    north_now = next(a for a in active.items if a.region_code == "1081")
    [condition] = await service.special_conditions(agreement_ids=[north_now.id])
    assert [(c.municipality, c.opted_in) for c in condition.choices] == [
        ("813", True),
        ("849", False),
        ("851", True),
        ("860", True),
    ]


async def test_the_demo_gaps_and_announcements() -> None:
    """The demo shows the gaps it promises: North Jutland short of residential treatment for
    pregnant women with harmful substance use, Zealand's eating-disorder offers half empty."""
    from agreements.announcements import service as announcements
    from agreements.gaps import service as gaps
    from demo.activity import seed_demo_activity
    from demo.announcements import (
        planned_announcement_count,
        seed_demo_announcements,
    )
    from marketplace.contracts.tables import Contract
    from marketplace.offers.taxonomy import target_group_records

    await seed_demo_providers()
    await seed_demo_offers()
    await seed_demo_agreements()
    assert await seed_demo_announcements() == planned_announcement_count() == 9
    assert await seed_demo_announcements() == 0
    made = await seed_demo_activity()
    assert made >= 50
    assert await seed_demo_activity() == 0  # idempotent
    assert await Contract.count().run() == made

    listed = await announcements.list_announcements(AALBORG_PURCHASER, PageRequest(first=50))
    assert len(listed.items) == 6
    north = await announcements.list_reports(
        AALBORG_PURCHASER, PageRequest(first=50), region_code="1081"
    )
    assert len(north.items) == 3
    assert all(r.status.value == "submitted" for r in north.items)

    def code(label: str) -> str:
        return next(r.code for r in target_group_records() if r.label_da == label)

    drugs, eating = code("Stofmisbrug"), code("Spiseforstyrrelse")
    [north_drugs] = (await gaps.supply_gaps(NORD_STEERING, "1081", [drugs])).rows
    assert north_drugs.now.severity == "critical"
    assert north_drugs.now.gap == 12  # forecast = places + 12, above the places in use
    assert north_drugs.now.searches_none == 6 and north_drugs.now.searches_few == 3
    assert north_drugs.now.declined_capacity == 3

    zealand = await gaps.supply_gaps(NORD_STEERING, "1085", [eating])
    [zealand_eating] = zealand.rows
    assert zealand.band_min_bp is not None
    at_risk = [o for o in zealand_eating.now.offers if o.low_occupancy]
    assert len(at_risk) >= 2
    assert all((o.occupancy_bp or 0) < zealand.band_min_bp for o in at_risk)

    # contracts are bought from both inside and outside the offers' regions
    everywhere = [
        row.now
        for region in ("1081", "1082", "1083", "1084", "1085")
        for row in (await gaps.supply_gaps(NORD_STEERING, region)).rows
    ]
    assert sum(g.contracts_inside for g in everywhere) > 0
    assert sum(g.contracts_outside for g in everywhere) > 0
