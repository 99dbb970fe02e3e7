"""An agreement that recovers: councils reconsider, the steering group revises (approvals
start again on a substantive change) or withdraws, late decisions and reports are flagged."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from agreements.frameworks import revisions, service
from agreements.frameworks.models import (
    AgreementRevise,
    AgreementStatus,
    AgreementUpdate,
    AgreementWithdraw,
    CouncilDecisionRecord,
)
from agreements.frameworks.tables import Agreement, AgreementEvent, CouncilDecision
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from tests.agreements.world import (
    NORD,
    NORD_STEERING,
    THIS_YEAR,
    agreement_command,
    agreement_in_force,
    rules,
)

DAY = today()


def decision(
    party: str, kind: str = "approved", days_ago: int = 10, **more: Any
) -> CouncilDecisionRecord:
    return CouncilDecisionRecord.model_validate(
        {
            "party_code": party,
            "decision": kind,
            "body": "Regionsrådet" if party == NORD else "Byrådet",
            "decided_on": DAY - datetime.timedelta(days=days_ago),
            **more,
        }
    )


async def _sent(parties: list[str], **overrides: Any) -> Any:
    agreement = await service.create_agreement(
        NORD_STEERING, agreement_command(parties=parties, **overrides)
    )
    await service.update_agreement(
        NORD_STEERING, agreement.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )
    return agreement


async def test_a_council_reconsiders_and_the_new_decision_supersedes() -> None:
    # given: one council rejected (the demo's dead end: DUPLICATE on a second decision)
    agreement = await _sent(["851", "849", NORD])
    await service.record_decision(NORD_STEERING, agreement.id, decision("851"))
    await service.record_decision(NORD_STEERING, agreement.id, decision("849", "rejected", 20))
    await service.record_decision(NORD_STEERING, agreement.id, decision(NORD))
    # when: the council reconsiders, later, and approves
    status = await service.record_decision(NORD_STEERING, agreement.id, decision("849", days_ago=5))
    # then: the new decision counts, the old one stays in the history, the agreement is in force
    assert status.unanimous and status.status is AgreementStatus.IN_FORCE
    of_849 = [(d.decision.value, d.counts) for d in status.decisions if d.party == "849"]
    assert of_849 == [("rejected", False), ("approved", True)]
    assert await CouncilDecision.count().where(CouncilDecision.agreement == agreement.id).run() == 4


async def test_a_reconsideration_is_dated_after_the_decision_it_replaces() -> None:
    agreement = await _sent(["851", NORD])
    await service.record_decision(NORD_STEERING, agreement.id, decision("851", "rejected", 5))
    with pytest.raises(DomainError) as error:
        await service.record_decision(NORD_STEERING, agreement.id, decision("851", days_ago=6))
    assert error.value.code is ErrorCode.DUPLICATE
    assert await CouncilDecision.count().where(CouncilDecision.agreement == agreement.id).run() == 1


async def test_a_substantive_revision_starts_the_approvals_again() -> None:
    agreement = await _sent(["851", "849", NORD])
    await service.record_decision(NORD_STEERING, agreement.id, decision("851"))
    await service.record_decision(NORD_STEERING, agreement.id, decision("849", "rejected"))
    # an editorial revision (name, documents) keeps the decisions
    editorial = await revisions.revise_agreement(
        NORD_STEERING,
        agreement.id,
        AgreementRevise(reason="Stavefejl", name="Socialaftalen rettet"),
    )
    assert (editorial.revision, editorial.approvals_from) == (2, 1)
    status = await service.approval_status(NORD_STEERING, agreement.id)
    assert status is not None and status.approved == ["851"] and status.rejected == ["849"]
    # a substantive one (the vision and the rules) asks every council again
    revised = await revisions.revise_agreement(
        NORD_STEERING,
        agreement.id,
        AgreementRevise(
            reason="Efter Mariagerfjords afvisning", vision="Livskvalitet", rules=rules()
        ),
    )
    assert (revised.revision, revised.approvals_from, revised.vision) == (3, 3, "Livskvalitet")
    status = await service.approval_status(NORD_STEERING, agreement.id)
    assert status is not None
    assert (status.approved, status.rejected, status.missing) == ([], [], ["849", "851", NORD])
    assert [d.counts for d in status.decisions] == [False, False]  # kept, no longer counting
    for party in ("851", "849", NORD):
        status = await service.record_decision(
            NORD_STEERING, agreement.id, decision(party, days_ago=1)
        )
    assert status.status is AgreementStatus.IN_FORCE
    assert {d.revision for d in status.decisions if d.counts} == {3}
    assert len(await service.rule_sets(agreement.id)) == 1
    kinds = (
        await AgreementEvent.select(AgreementEvent.detail)
        .where((AgreementEvent.agreement == agreement.id) & (AgreementEvent.kind == "revised"))
        .output(as_list=True)
        .run()
    )
    assert any("substantive (vision, rules)" in k for k in kinds)


async def test_a_withdrawn_agreement_frees_its_period() -> None:
    rejected = await _sent(["851", NORD])
    await service.record_decision(NORD_STEERING, rejected.id, decision("851", "rejected"))
    with pytest.raises(DomainError):  # the period is taken while it stands
        await service.create_agreement(NORD_STEERING, agreement_command(name="Ny aftale"))
    withdrawn = await revisions.withdraw_agreement(
        NORD_STEERING, rejected.id, AgreementWithdraw(reason="Afvist af Aalborg Byråd")
    )
    assert withdrawn.status is AgreementStatus.WITHDRAWN
    replacement = await service.create_agreement(NORD_STEERING, agreement_command(name="Ny aftale"))
    assert replacement.status is AgreementStatus.DRAFT
    with pytest.raises(DomainError) as error:  # a withdrawn agreement takes no decisions
        await service.record_decision(NORD_STEERING, rejected.id, decision("851", days_ago=1))
    assert error.value.code is ErrorCode.INVALID_STATE


async def test_an_agreement_in_force_is_neither_revised_nor_withdrawn() -> None:
    agreement = await agreement_in_force(parties=["851", NORD])
    before = await Agreement.select().where(Agreement.id == agreement.id).first().run()
    with pytest.raises(DomainError) as error:
        await revisions.revise_agreement(
            NORD_STEERING, agreement.id, AgreementRevise(reason="Ny vision", vision="Andet")
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_STATE, ["id"])
    with pytest.raises(DomainError) as error:
        await revisions.withdraw_agreement(
            NORD_STEERING, agreement.id, AgreementWithdraw(reason="Nej")
        )
    assert error.value.code is ErrorCode.INVALID_STATE
    assert await Agreement.select().where(Agreement.id == agreement.id).first().run() == before


async def test_a_decision_by_a_body_not_a_party_changes_nothing() -> None:
    agreement = await _sent(["851", NORD])
    with pytest.raises(DomainError) as error:
        await service.record_decision(NORD_STEERING, agreement.id, decision("101"))
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["party_code"])
    assert await CouncilDecision.count().where(CouncilDecision.agreement == agreement.id).run() == 0


async def test_late_council_decisions_are_flagged_with_the_days_late() -> None:
    agreement = await _sent(
        ["851", "849", NORD], approval_deadline=DAY - datetime.timedelta(days=12)
    )
    await service.record_decision(NORD_STEERING, agreement.id, decision("851", days_ago=14))
    status = await service.record_decision(NORD_STEERING, agreement.id, decision("849", days_ago=2))
    late = {d.party: d.days_late for d in status.decisions}
    assert late == {"851": None, "849": 10}
    assert status.late == ["849"]
    assert THIS_YEAR  # the world's year
