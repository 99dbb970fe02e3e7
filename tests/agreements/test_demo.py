"""The demo agreements: Nordjysk Socialaftale 2021-2022 as seed 003 tells it, one agreement in
force per region with example rules, and the next period's in varied states."""

from __future__ import annotations

import datetime

from agreements.frameworks import service
from agreements.frameworks.demo import planned_agreement_count, seed_demo_agreements
from agreements.frameworks.models import AgreementStatus
from marketplace.core.clock import today
from marketplace.core.pagination import PageRequest
from marketplace.offers.demo import seed_demo_offers
from marketplace.organisations.demo import seed_demo_providers
from tests.agreements.world import AALBORG_PURCHASER


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
    assert sorted((d.year, d.status.value) for d in tracked) == [
        (2021, "emergency_track"),
        (2021, "emergency_track"),
        (2021, "reinforced_cooperation"),
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
