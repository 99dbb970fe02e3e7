"""The framework-agreement registry: a region's social agreement, its parties' council
decisions, its rules, and the steering group's decisions on special conditions and unique
offers. The region's steering group and the registry administrator change them; every
signed-in user reads them."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from functools import partial
from typing import Any, TypeVar

from piccolo.columns.combination import Combinable
from pydantic import BaseModel

from agreements.frameworks.approvals import counting_by_party, holding
from agreements.frameworks.models import (
    AgreementCreate,
    AgreementRevise,
    AgreementRules,
    AgreementStatus,
    AgreementUpdate,
    AgreementView,
    ApprovalStatus,
    ChoiceView,
    CouncilDecisionRecord,
    Decision,
    DecisionView,
    DocumentView,
    FocusAreaView,
    MilestoneView,
    RuleSetInput,
    RuleSetView,
    SpecialConditionApprove,
    SpecialConditionOptIn,
    SpecialConditionView,
    UniqueDecisionView,
    UniqueOfferStatusSet,
)
from agreements.frameworks.rows import (
    AgreementRow,
    ApprovalOfRegion,
    ChoiceRow,
    CouncilDecisionRow,
    OfAgreement,
    PartyRow,
    RuleSetRow,
    SpecialConditionRow,
    UniqueDecisionRow,
)
from agreements.frameworks.tables import (
    Agreement,
    AgreementDocument,
    AgreementEvent,
    AgreementParty,
    CouncilDecision,
    FocusArea,
    Milestone,
    RuleSet,
    SpecialConditionApproval,
    SpecialConditionChoice,
    UniqueOfferDecision,
)
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import row_as
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.models import EventKind
from marketplace.offers import service as offers
from marketplace.offers.models import OfferView
from marketplace.offers.tables import Offer
from marketplace.organisations.reference import municipality_records, region_of, region_records

# Moves a steering group makes by hand; IN_FORCE comes from the councils' unanimity and
# EXPIRED from the calendar.
TRANSITIONS: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    AgreementStatus.DRAFT: frozenset(
        {AgreementStatus.IN_CONSULTATION, AgreementStatus.SENT_FOR_APPROVAL}
    ),
    AgreementStatus.IN_CONSULTATION: frozenset(
        {AgreementStatus.DRAFT, AgreementStatus.SENT_FOR_APPROVAL}
    ),
    AgreementStatus.SENT_FOR_APPROVAL: frozenset(
        {AgreementStatus.DRAFT, AgreementStatus.IN_CONSULTATION}
    ),
    AgreementStatus.IN_FORCE: frozenset(),
    AgreementStatus.EXPIRED: frozenset(),
    AgreementStatus.WITHDRAWN: frozenset(),
}
# agreements that were made (in force in their period, or expired after it)
MADE = (AgreementStatus.IN_FORCE.value, AgreementStatus.EXPIRED.value)
_NOT_FOUND = "There is no such agreement."
ViewT = TypeVar("ViewT", bound=BaseModel)


def region_parties(region_code: str) -> list[str]:
    """Every municipality of the region, and the region."""
    municipalities = sorted(m.code for m in municipality_records() if m.region_code == region_code)
    return [*municipalities, region_code]


def require_steering(principal: Principal, region_code: str, field: Sequence[str]) -> None:
    """The region's steering group or the registry administrator."""
    principal.require(Role.STEERING, Role.REGISTRY_ADMIN)
    if principal.role is Role.STEERING and principal.org_code != region_code:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the region's own steering group changes its agreements.",
            list(field),
        )


def _readers(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read the agreements.")


def agreement_status(status: str, valid_to: datetime.date, day: datetime.date) -> str:
    """An agreement in force is expired once its last day has passed: every read answers so,
    and the calendar (``expire_due``) records it."""
    if status == AgreementStatus.IN_FORCE.value and valid_to < day:
        return AgreementStatus.EXPIRED.value
    return status


async def expire_due(day: datetime.date) -> int:
    """The calendar's work: record agreements in force whose last day has passed as
    expired; return how many."""
    due = (Agreement.status == AgreementStatus.IN_FORCE.value) & (Agreement.valid_to < day)
    moved = 0
    for agreement_id in await Agreement.select(Agreement.id).where(due).output(as_list=True).run():
        async with write_transaction(SYSTEM, "agreementExpire") as unit:
            before = await get_agreement(SYSTEM, agreement_id)
            changed = (
                await Agreement.update({Agreement.status: AgreementStatus.EXPIRED.value})
                .where((Agreement.id == agreement_id) & due)
                .returning(Agreement.id)
                .run()
            )
            if changed:
                await unit.track(
                    "Agreement",
                    agreement_id,
                    partial(get_agreement, SYSTEM, agreement_id),
                    before=before,
                )
                moved += 1
    return moved


# --- reading ----------------------------------------------------------------------------------


def _by_agreement(rows: list[dict[str, Any]], view: type[ViewT]) -> dict[uuid.UUID, list[ViewT]]:
    """Rows of a table that belongs to agreements, each as ``view``, by their agreement."""
    found: dict[uuid.UUID, list[ViewT]] = defaultdict(list)
    for row in rows:
        found[row_as(OfAgreement, row).agreement].append(view.model_validate(row))
    return found


async def _views(rows: list[dict[str, Any]]) -> list[AgreementView]:
    agreements = [row_as(AgreementRow, row) for row in rows]
    ids = [agreement.id for agreement in agreements]
    if not ids:
        return []
    parties: dict[uuid.UUID, list[str]] = defaultdict(list)
    for row in await AgreementParty.select().where(AgreementParty.agreement.is_in(ids)).run():
        party = row_as(PartyRow, row)
        parties[party.agreement].append(party.party)
    focus = _by_agreement(
        await FocusArea.select()
        .where(FocusArea.agreement.is_in(ids))
        .order_by(FocusArea.position)
        .output(load_json=True)
        .run(),
        FocusAreaView,
    )
    documents = _by_agreement(
        await AgreementDocument.select()
        .where(AgreementDocument.agreement.is_in(ids))
        .order_by(AgreementDocument.position)
        .run(),
        DocumentView,
    )
    milestones = _by_agreement(
        await Milestone.select()
        .where(Milestone.agreement.is_in(ids))
        .order_by(Milestone.starts_on, Milestone.position)
        .run(),
        MilestoneView,
    )
    day = today()
    return [
        AgreementView.model_validate(
            {
                **asdict(agreement),
                "status": agreement_status(agreement.status, agreement.valid_to, day),
                "region_code": agreement.region,
                "parties": sorted(parties[agreement.id], key=lambda p: (len(p), p)),
                "focus_areas": focus[agreement.id],
                "documents": documents[agreement.id],
                "milestones": milestones[agreement.id],
            }
        )
        for agreement in agreements
    ]


async def agreements_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AgreementView]:
    if not ids or not principal.is_authenticated:
        return {}
    rows = await Agreement.select().where(Agreement.id.is_in(list(ids))).run()
    return {view.id: view for view in await _views(rows)}


async def get_agreement(principal: Principal, agreement_id: uuid.UUID) -> AgreementView | None:
    return (await agreements_by_id(principal, [agreement_id])).get(agreement_id)


async def list_agreements(
    principal: Principal,
    page: PageRequest,
    *,
    region_code: str | None = None,
    active_on: datetime.date | None = None,
    newest_first: bool = False,
) -> Page[AgreementView]:
    """Agreements by region and start (the latest start first with ``newest_first``);
    ``active_on`` keeps those made and valid that day."""
    _readers(principal)
    conditions: list[Combinable] = []
    if region_code is not None:
        if region_code not in region_records():
            raise DomainError(
                ErrorCode.UNKNOWN_REGION, f"No region {region_code!r}.", ["region_code"]
            )
        conditions.append(Agreement.region == region_code)
    if active_on is not None:
        conditions.append(
            Agreement.status.is_in(list(MADE))
            & (Agreement.valid_from <= active_on)
            & (Agreement.valid_to >= active_on)
        )
    rows = await paginate(
        Agreement,
        where=all_of(conditions),
        order_by=[Agreement.region, Agreement.valid_from, Agreement.id],
        page=page,
        descending=newest_first,
    )
    return rows.with_items(await _views(rows.items))


async def agreement_in_force(region_code: str | None, on: datetime.date) -> AgreementRow | None:
    """The agreement made for the region whose period holds ``on``, if any."""
    if region_code is None:
        return None
    row = (
        await Agreement.select()
        .where(
            (Agreement.region == region_code)
            & Agreement.status.is_in(list(MADE))
            & (Agreement.valid_from <= on)
            & (Agreement.valid_to >= on)
        )
        .first()
        .run()
    )
    return None if row is None else row_as(AgreementRow, row)


async def agreements_in_force(
    region_codes: Sequence[str], on: datetime.date
) -> dict[str, AgreementRow]:
    """The agreement made for each region whose period holds ``on`` (one statement)."""
    if not region_codes:
        return {}
    rows = (
        await Agreement.select()
        .where(
            Agreement.region.is_in(sorted(set(region_codes)))
            & Agreement.status.is_in(list(MADE))
            & (Agreement.valid_from <= on)
            & (Agreement.valid_to >= on)
        )
        .run()
    )
    return {agreement.region: agreement for agreement in (row_as(AgreementRow, r) for r in rows)}


def _rule_set_view(row: RuleSetRow, valid_to: datetime.date) -> RuleSetView:
    return RuleSetView(
        id=row.id,
        agreement_id=row.agreement,
        valid_from=row.valid_from,
        valid_to=valid_to,
        version=row.version,
        rules=AgreementRules.model_validate(row.rules),
        is_example=row.is_example,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def _rule_set_views(agreement: AgreementRow, rows: list[RuleSetRow]) -> list[RuleSetView]:
    """The latest version of each rule set, each valid until the next one starts."""
    latest: dict[datetime.date, RuleSetRow] = {}
    for row in rows:
        if row.valid_from not in latest or row.version > latest[row.valid_from].version:
            latest[row.valid_from] = row
    starts = sorted(latest)
    views = []
    for i, start in enumerate(starts):
        end = (
            starts[i + 1] - datetime.timedelta(days=1)
            if i + 1 < len(starts)
            else agreement.valid_to
        )
        views.append(_rule_set_view(latest[start], end))
    return views


async def rule_sets_by_agreement(
    ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[RuleSetView]]:
    """Every agreement's rule sets in force order (two statements for any number)."""
    found: dict[uuid.UUID, list[RuleSetView]] = {i: [] for i in ids}
    if not ids:
        return found
    agreements = await Agreement.select().where(Agreement.id.is_in(list(ids))).run()
    rows: dict[uuid.UUID, list[RuleSetRow]] = defaultdict(list)
    for row in (
        await RuleSet.select()
        .where(RuleSet.agreement.is_in(list(ids)))
        .output(load_json=True)
        .run()
    ):
        rule_set = row_as(RuleSetRow, row)
        rows[rule_set.agreement].append(rule_set)
    for agreement in (row_as(AgreementRow, row) for row in agreements):
        found[agreement.id] = _rule_set_views(agreement, rows[agreement.id])
    return found


async def rule_sets(agreement_id: uuid.UUID) -> list[RuleSetView]:
    return (await rule_sets_by_agreement([agreement_id]))[agreement_id]


async def rules_on(
    agreement: AgreementRow | Mapping[str, Any], on: datetime.date
) -> RuleSetView | None:
    """The agreement's rules in force on ``on`` (``agreement``: its row, typed or as read)."""
    if not isinstance(agreement, AgreementRow):
        agreement = row_as(AgreementRow, agreement)
    for view in reversed(await rule_sets(agreement.id)):
        if view.valid_from <= on:
            return view
    return None


# --- writing ----------------------------------------------------------------------------------


async def record_event(
    agreement_id: uuid.UUID, principal: Principal, kind: str, detail: str = ""
) -> None:
    await AgreementEvent.insert(
        AgreementEvent(
            id=uuid.uuid4(),
            agreement=agreement_id,
            at=utcnow(),
            kind=kind,
            actor=principal.subject or "",
            actor_org=principal.org_code if principal.org_code != "system" else None,
            detail=detail,
        )
    ).run()


async def _no_overlap(
    region: str, start: datetime.date, end: datetime.date, other_than: uuid.UUID | None
) -> None:
    condition = (
        (Agreement.region == region)
        & (Agreement.valid_from <= end)
        & (Agreement.valid_to >= start)
        & (Agreement.status != AgreementStatus.WITHDRAWN.value)
    )
    if other_than is not None:
        condition = condition & (Agreement.id != other_than)
    clashes = (
        await Agreement.select(Agreement.name).where(condition).limit(1).output(as_list=True).run()
    )
    if clashes:
        raise DomainError(
            ErrorCode.INVALID,
            f"The period overlaps {clashes[0]}: a region has one agreement at a time.",
            ["valid_from"],
        )


async def write_lists(
    agreement_id: uuid.UUID, command: AgreementCreate | AgreementUpdate | AgreementRevise
) -> None:
    """Replace the focus areas, documents and milestones the command names."""
    given = command.model_fields_set
    if "focus_areas" in given or isinstance(command, AgreementCreate):
        await FocusArea.delete().where(FocusArea.agreement == agreement_id).run()
        if command.focus_areas:
            await FocusArea.insert(
                *(
                    FocusArea(agreement=agreement_id, position=i, **area.model_dump())
                    for i, area in enumerate(command.focus_areas)
                )
            ).run()
    if "documents" in given or isinstance(command, AgreementCreate):
        await AgreementDocument.delete().where(AgreementDocument.agreement == agreement_id).run()
        if command.documents:
            await AgreementDocument.insert(
                *(
                    AgreementDocument(agreement=agreement_id, position=i, **doc.model_dump())
                    for i, doc in enumerate(command.documents)
                )
            ).run()
    if "milestones" in given or isinstance(command, AgreementCreate):
        await Milestone.delete().where(Milestone.agreement == agreement_id).run()
        if command.milestones:
            await Milestone.insert(
                *(
                    Milestone(agreement=agreement_id, position=i, **stone.model_dump())
                    for i, stone in enumerate(command.milestones)
                )
            ).run()


async def create_agreement(
    principal: Principal, command: AgreementCreate, *, is_demo: bool = False
) -> AgreementView:
    """A draft agreement for a region; the parties are the region's municipalities and the
    region unless named."""
    require_steering(principal, command.region_code, ["region_code"])
    eligible = region_parties(command.region_code)
    parties = command.parties if command.parties is not None else eligible
    outside = [p for p in parties if p not in eligible]
    if outside:
        raise DomainError(
            ErrorCode.INVALID,
            f"Not of region {command.region_code}: {', '.join(outside)}.",
            ["parties"],
        )
    if len(set(parties)) != len(parties):
        raise DomainError(ErrorCode.INVALID, "A party is named twice.", ["parties"])
    agreement_id = uuid.uuid4()
    now = utcnow()
    async with write_transaction(principal, "agreementCreate") as unit:
        await _no_overlap(command.region_code, command.valid_from, command.valid_to, None)
        await Agreement.insert(
            Agreement(
                id=agreement_id,
                region=command.region_code,
                name=command.name,
                valid_from=command.valid_from,
                valid_to=command.valid_to,
                status=AgreementStatus.DRAFT.value,
                steering_group=command.steering_group,
                vision=command.vision,
                approval_deadline=command.approval_deadline,
                is_demo=is_demo,
                created_at=now,
                updated_at=now,
            )
        ).run()
        await AgreementParty.insert(
            *(AgreementParty(agreement=agreement_id, party=p) for p in parties)
        ).run()
        await write_lists(agreement_id, command)
        await record_event(agreement_id, principal, "created", command.name)
        created = await unit.track(
            "Agreement", agreement_id, partial(get_agreement, principal, agreement_id), new=True
        )
    return created.result


async def managed(principal: Principal, agreement_id: uuid.UUID) -> AgreementRow:
    """The agreement, which the caller's steering group (or the registry administrator)
    keeps."""
    principal.require(Role.STEERING, Role.REGISTRY_ADMIN)
    row = await Agreement.select().where(Agreement.id == agreement_id).first().run()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, _NOT_FOUND, ["id"])
    agreement = row_as(AgreementRow, row)
    require_steering(principal, agreement.region, ["id"])
    return agreement


async def update_agreement(
    principal: Principal, agreement_id: uuid.UUID, command: AgreementUpdate
) -> AgreementView:
    """Change an agreement's content or move it along its lifecycle. The period is fixed once
    the agreement is made; going in force takes every party's approval."""
    async with write_transaction(principal, "agreementUpdate") as unit:
        agreement = await managed(principal, agreement_id)
        updated = await unit.track(
            "Agreement", agreement_id, partial(get_agreement, principal, agreement_id)
        )
        current = AgreementStatus(agreement_status(agreement.status, agreement.valid_to, today()))
        given = command.model_fields_set
        values = await field_values(agreement, current, command)
        if command.status is not None and command.status is not current:
            if command.status not in TRANSITIONS[current]:
                raise DomainError(
                    ErrorCode.INVALID_STATE,
                    f"An agreement {current.value} cannot become {command.status.value}"
                    + (
                        " (it goes in force when every party has approved it)."
                        if command.status is AgreementStatus.IN_FORCE
                        else "."
                    ),
                    ["status"],
                )
            values[Agreement.status] = command.status.value
            await record_event(
                agreement_id, principal, "status", f"{current.value} -> {command.status.value}"
            )
        values[Agreement.updated_at] = utcnow()
        await Agreement.update(values).where(Agreement.id == agreement_id).run()
        await write_lists(agreement_id, command)
        await record_event(agreement_id, principal, "updated", ", ".join(sorted(given)))
    return updated.result


async def field_values(
    agreement: AgreementRow, current: AgreementStatus, command: AgreementUpdate | AgreementRevise
) -> dict[Any, Any]:
    """The columns the command changes (its lists aside); the period only of an agreement
    not yet made, and without overlapping another of the region."""
    given = command.model_fields_set
    values: dict[Any, Any] = {}
    for field in ("name", "steering_group", "vision", "approval_deadline"):
        if field in given and getattr(command, field) is not None:
            values[Agreement._meta.get_column_by_name(field)] = getattr(command, field)
    if given & {"valid_from", "valid_to"}:
        if current.value in MADE:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                "The period of an agreement that has been made does not change.",
                ["valid_from"],
            )
        start = command.valid_from or agreement.valid_from
        end = command.valid_to or agreement.valid_to
        if end < start:
            raise DomainError(
                ErrorCode.INVALID,
                "An agreement cannot end before it starts.",
                ["valid_to"],
            )
        await _no_overlap(agreement.region, start, end, agreement.id)
        values[Agreement.valid_from] = start
        values[Agreement.valid_to] = end
    return values


async def set_rules(
    principal: Principal, agreement_id: uuid.UUID, command: RuleSetInput
) -> RuleSetView:
    """A new version of the rules from a day within the agreement's period."""
    async with write_transaction(principal, "agreementRulesSet") as unit:
        agreement = await managed(principal, agreement_id)
        if not agreement.valid_from <= command.valid_from <= agreement.valid_to:
            raise DomainError(
                ErrorCode.INVALID,
                f"Rules apply within the agreement's period ({agreement.valid_from} to "
                f"{agreement.valid_to}).",
                ["valid_from"],
            )
        rule_set_id = await insert_rule_set(principal, agreement_id, command)
        made = await unit.track(
            "RuleSet",
            rule_set_id,
            partial(_rule_set_from, agreement_id, command.valid_from),
            new=True,
        )
    return made.result


async def insert_rule_set(
    principal: Principal, agreement_id: uuid.UUID, command: RuleSetInput
) -> uuid.UUID:
    """Store the next version of the rules from the command's day; answer its ID."""
    previous = (
        await RuleSet.select(RuleSet.version)
        .where((RuleSet.agreement == agreement_id) & (RuleSet.valid_from == command.valid_from))
        .order_by(RuleSet.version, ascending=False)
        .limit(1)
        .output(as_list=True)
        .run()
    )
    version = previous[0] + 1 if previous else 1
    rule_set_id = uuid.uuid4()
    await RuleSet.insert(
        RuleSet(
            id=rule_set_id,
            agreement=agreement_id,
            valid_from=command.valid_from,
            version=version,
            rules=command.rules.model_dump(mode="json"),
            is_example=command.is_example,
            set_by=principal.subject or "",
            set_at=utcnow(),
        )
    ).run()
    await record_event(
        agreement_id,
        principal,
        "rules_set",
        f"from {command.valid_from.isoformat()}, version {version}",
    )
    return rule_set_id


async def _rule_set_from(agreement_id: uuid.UUID, day: datetime.date) -> RuleSetView | None:
    return next((v for v in await rule_sets(agreement_id) if v.valid_from == day), None)


async def decisions_by_agreement(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[DecisionView]]:
    """Every council decision of the agreements, in order, each marked with whether it
    counts and how many days after the deadline it came (one statement)."""
    found: dict[uuid.UUID, list[DecisionView]] = {i: [] for i in ids}
    terms: dict[uuid.UUID, tuple[int, datetime.date | None]] = {}
    if ids:
        for row in (
            await CouncilDecision.select(
                *CouncilDecision.all_columns(),
                CouncilDecision.agreement._.approvals_from.as_alias("approvals_from"),
                CouncilDecision.agreement._.approval_deadline.as_alias("deadline"),
            )
            .where(CouncilDecision.agreement.is_in(list(ids)))
            .order_by(CouncilDecision.decided_on, CouncilDecision.party)
            .run()
        ):
            decision = row_as(CouncilDecisionRow, row)
            terms[decision.agreement] = (row["approvals_from"], row["deadline"])
            found[decision.agreement].append(DecisionView.model_validate(asdict(decision)))
    for agreement_id, (approvals_from, deadline) in terms.items():
        found[agreement_id] = holding(found[agreement_id], approvals_from, deadline)
    return found


async def approval_status(principal: Principal, agreement_id: uuid.UUID) -> ApprovalStatus | None:
    """Who has decided, who is missing, and how many days remain to the deadline."""
    agreement = await get_agreement(principal, agreement_id)
    if agreement is None:
        return None
    decisions = (await decisions_by_agreement([agreement_id]))[agreement_id]
    decided = counting_by_party(decisions)
    approved = [p for p in agreement.parties if decided.get(p) is Decision.APPROVED]
    deadline = agreement.approval_deadline
    late = sorted({d.party for d in decisions if d.counts and d.days_late is not None})
    return ApprovalStatus(
        agreement_id=agreement_id,
        status=agreement.status,
        parties=len(agreement.parties),
        approved=approved,
        rejected=[p for p in agreement.parties if decided.get(p) is Decision.REJECTED],
        missing=[p for p in agreement.parties if p not in decided],
        deadline=deadline,
        days_to_deadline=(deadline - today()).days if deadline else None,
        unanimous=len(approved) == len(agreement.parties),
        decisions=decisions,
        revision=agreement.revision,
        approvals_from=agreement.approvals_from,
        late=late,
    )


async def record_decision(
    principal: Principal, agreement_id: uuid.UUID, command: CouncilDecisionRecord
) -> ApprovalStatus:
    """Record a party's council decision; the last approval puts the agreement in force."""
    async with write_transaction(principal, "councilDecisionRecord") as unit:
        agreement = await managed(principal, agreement_id)
        status = await unit.track(
            "AgreementApprovalStatus",
            agreement_id,
            partial(approval_status, principal, agreement_id),
        )
        parties = await _decision_may_be_recorded(agreement, command)
        await _record_council_decision(principal, agreement, command)
        unit.emit(
            EventKind.COUNCIL_DECISION_RECORDED,
            [agreement.region, *parties],
            {"agreement": agreement_id},
            payload={
                "party": command.party_code,
                "decision": command.decision.value,
                "decidedOn": str(command.decided_on),
            },
        )
        if await _approvals(agreement_id) == len(parties):
            await _put_in_force(principal, agreement_id)
    return status.result


async def _decision_may_be_recorded(
    agreement: AgreementRow, command: CouncilDecisionRecord
) -> list[str]:
    """The agreement is sent for approval, the party is one of its parties, and any decision
    it made before on this revision is older (a reconsideration replaces it); answer the
    parties."""
    party_code = command.party_code
    if agreement.status != AgreementStatus.SENT_FOR_APPROVAL.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"Decisions are recorded while the agreement is sent for approval; it is "
            f"{agreement.status}.",
            ["agreement_id"],
        )
    parties: list[str] = (
        await AgreementParty.select(AgreementParty.party)
        .where(AgreementParty.agreement == agreement.id)
        .output(as_list=True)
        .run()
    )
    if party_code not in parties:
        raise DomainError(
            ErrorCode.INVALID, f"{party_code} is not a party to the agreement.", ["party_code"]
        )
    recorded = (
        await CouncilDecision.exists()
        .where(
            (CouncilDecision.agreement == agreement.id)
            & (CouncilDecision.party == party_code)
            & (CouncilDecision.revision == agreement.revision)
            & (CouncilDecision.decided_on >= command.decided_on)
        )
        .run()
    )
    if recorded:
        raise DomainError(
            ErrorCode.DUPLICATE,
            f"{party_code}'s decision of that day or later is already recorded; a "
            "reconsideration is dated after the decision it replaces.",
            ["party_code"],
        )
    return parties


async def _record_council_decision(
    principal: Principal, agreement: AgreementRow, command: CouncilDecisionRecord
) -> None:
    agreement_id = agreement.id
    await CouncilDecision.insert(
        CouncilDecision(
            id=uuid.uuid4(),
            agreement=agreement_id,
            party=command.party_code,
            decision=command.decision.value,
            body=command.body,
            decided_on=command.decided_on,
            reference=command.reference,
            recorded_by=principal.subject or "",
            recorded_at=utcnow(),
            revision=agreement.revision,
        )
    ).run()
    await record_event(
        agreement_id,
        principal,
        "council_decision",
        f"{command.party_code}: {command.decision.value}",
    )


async def _approvals(agreement_id: uuid.UUID) -> int:
    """How many parties' councils' counting decisions approve the agreement."""
    decisions = (await decisions_by_agreement([agreement_id]))[agreement_id]
    return sum(d is Decision.APPROVED for d in counting_by_party(decisions).values())


async def _put_in_force(principal: Principal, agreement_id: uuid.UUID) -> None:
    """Every party approved: the agreement is in force."""
    await (
        Agreement.update(
            {Agreement.status: AgreementStatus.IN_FORCE.value, Agreement.updated_at: utcnow()}
        )
        .where(Agreement.id == agreement_id)
        .run()
    )
    await record_event(agreement_id, principal, "status", "in force: approved by every party")


async def _offer_in_region(principal: Principal, offer_id: uuid.UUID, region: str) -> OfferView:
    offer = await offers.offers_by_id(principal, [offer_id])
    view = offer.get(offer_id)
    if view is None or region_of(view.municipality_code) != region:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            "There is no such offer in the agreement's region.",
            ["offer_id"],
        )
    return view


def _condition_view(row: SpecialConditionRow, choices: list[ChoiceView]) -> SpecialConditionView:
    return SpecialConditionView.model_validate(
        {**asdict(row), "agreement_id": row.agreement, "offer_id": row.offer, "choices": choices}
    )


async def special_conditions(
    agreement_ids: Sequence[uuid.UUID] = (),
    offer_ids: Sequence[uuid.UUID] = (),
    ids: Sequence[uuid.UUID] = (),
) -> list[SpecialConditionView]:
    """Special conditions of agreements, of offers, or by ID, with the municipalities'
    choices."""
    condition = all_of(
        [
            SpecialConditionApproval.agreement.is_in(list(agreement_ids))
            if agreement_ids
            else None,
            SpecialConditionApproval.offer.is_in(list(offer_ids)) if offer_ids else None,
            SpecialConditionApproval.id.is_in(list(ids)) if ids else None,
        ]
    )
    if condition is None:
        return []
    approvals = [
        row_as(SpecialConditionRow, row)
        for row in await SpecialConditionApproval.select()
        .where(condition)
        .order_by(SpecialConditionApproval.approved_on)
        .output(load_json=True)
        .run()
    ]
    choices: dict[uuid.UUID, list[ChoiceView]] = defaultdict(list)
    if approvals:
        for row in (
            await SpecialConditionChoice.select()
            .where(SpecialConditionChoice.approval.is_in([a.id for a in approvals]))
            .order_by(SpecialConditionChoice.municipality)
            .run()
        ):
            choice = row_as(ChoiceRow, row)
            choices[choice.approval].append(ChoiceView.model_validate(asdict(choice)))
    return [_condition_view(approval, choices[approval.id]) for approval in approvals]


async def approve_special_condition(
    principal: Principal, agreement_id: uuid.UUID, command: SpecialConditionApprove
) -> SpecialConditionView:
    """The steering group lets a new offer for a small target group start on a special
    condition the agreement allows, for a period within the agreement's."""
    async with write_transaction(principal, "specialConditionApprove") as unit:
        agreement = await managed(principal, agreement_id)
        offer = await _offer_in_region(principal, command.offer_id, agreement.region)
        await _agreement_allows(agreement, command)
        approval_id = await _record_approval(principal, agreement_id, offer.id, command)
        await _offer_starts_on_condition(principal, offer, command)
        await record_event(
            agreement_id, principal, "special_condition", f"{offer.name}: {command.condition.value}"
        )
        made = await unit.track(
            "SpecialConditionApproval",
            approval_id,
            partial(_special_condition, agreement_id, approval_id),
            new=True,
        )
    return made.result


async def _agreement_allows(agreement: AgreementRow, command: SpecialConditionApprove) -> None:
    """The period lies within the agreement's, and the agreement's rules on its first day
    allow the condition for new offers (or it has none)."""
    if not (agreement.valid_from <= command.valid_from and command.valid_to <= agreement.valid_to):
        raise DomainError(
            ErrorCode.INVALID,
            "The period lies within the agreement's period.",
            ["valid_from"],
        )
    rules = await rules_on(agreement, command.valid_from)
    if rules is not None and command.condition not in rules.rules.new_offer_conditions:
        raise DomainError(
            ErrorCode.INVALID,
            f"The agreement's rules do not allow {command.condition.value} for new offers.",
            ["condition"],
        )


async def _record_approval(
    principal: Principal,
    agreement_id: uuid.UUID,
    offer_id: uuid.UUID,
    command: SpecialConditionApprove,
) -> uuid.UUID:
    """Store the steering group's approval; answer its ID."""
    approval_id = uuid.uuid4()
    parameters = (
        {"occupancy_percent": str(command.occupancy_percent)}
        if command.occupancy_percent is not None
        else {}
    )
    await SpecialConditionApproval.insert(
        SpecialConditionApproval(
            id=approval_id,
            agreement=agreement_id,
            offer=offer_id,
            condition=command.condition.value,
            approved_by=command.approved_by,
            approved_on=command.approved_on,
            valid_from=command.valid_from,
            valid_to=command.valid_to,
            parameters=parameters,
            notes=command.notes,
            recorded_by=principal.subject or "",
        )
    ).run()
    return approval_id


async def _offer_starts_on_condition(
    principal: Principal, offer: OfferView, command: SpecialConditionApprove
) -> None:
    """The condition joins the offer's special conditions in the catalogue, and the offer's
    history says who approved it."""
    conditions = sorted({*(c.value for c in offer.special_conditions), command.condition.value})
    await (
        Offer.update({Offer.special_conditions: conditions, Offer.updated_at: utcnow()})
        .where(Offer.id == offer.id)
        .run()
    )
    await offers.record_event(
        offer.id,
        principal,
        "special_condition_approved",
        reason=command.notes,
        detail=f"{command.condition.value} by {command.approved_by}",
    )


async def _special_condition(
    agreement_id: uuid.UUID, approval_id: uuid.UUID
) -> SpecialConditionView | None:
    found = await special_conditions(agreement_ids=[agreement_id])
    return next((c for c in found if c.id == approval_id), None)


async def opt_in(
    principal: Principal, approval_id: uuid.UUID, command: SpecialConditionOptIn
) -> SpecialConditionView:
    """A municipality joins a special condition or stays out of it (its purchasers for
    itself, or the region's steering group for it); a later choice replaces an earlier one."""
    async with write_transaction(principal, "specialConditionOptIn") as unit:
        approval = await _approval_of_region(approval_id)
        chosen = await unit.track(
            "SpecialConditionApproval",
            approval_id,
            partial(_special_condition, approval.agreement, approval_id),
        )
        await _may_choose_for(principal, approval, command.municipality_code)
        await _replace_choice(principal, approval_id, command)
        await record_event(
            approval.agreement,
            principal,
            "special_condition_choice",
            f"{command.municipality_code}: {'in' if command.opted_in else 'out'}",
        )
    return chosen.result


async def _approval_of_region(approval_id: uuid.UUID) -> ApprovalOfRegion:
    """The special condition with its agreement and the agreement's region."""
    row = (
        await SpecialConditionApproval.select(
            SpecialConditionApproval.id,
            SpecialConditionApproval.agreement,
            SpecialConditionApproval.agreement._.region.as_alias("region"),
        )
        .where(SpecialConditionApproval.id == approval_id)
        .first()
        .run()
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such special condition.", ["id"])
    return row_as(ApprovalOfRegion, row)


async def _may_choose_for(
    principal: Principal, approval: ApprovalOfRegion, municipality_code: str
) -> None:
    """The municipality's purchasers choose for it, or its region's steering group; the
    municipality is a party to the agreement."""
    acting_for_itself = principal.role is Role.PURCHASER and principal.org_code == municipality_code
    if not acting_for_itself:
        require_steering(principal, approval.region, ["municipality_code"])
    party = (
        await AgreementParty.exists()
        .where(
            (AgreementParty.agreement == approval.agreement)
            & (AgreementParty.party == municipality_code)
        )
        .run()
    )
    if not party:
        raise DomainError(
            ErrorCode.INVALID,
            f"{municipality_code} is not a party to the agreement.",
            ["municipality_code"],
        )


async def _replace_choice(
    principal: Principal, approval_id: uuid.UUID, command: SpecialConditionOptIn
) -> None:
    """The municipality's choice, in place of any it made before."""
    await (
        SpecialConditionChoice.delete()
        .where(
            (SpecialConditionChoice.approval == approval_id)
            & (SpecialConditionChoice.municipality == command.municipality_code)
        )
        .run()
    )
    await SpecialConditionChoice.insert(
        SpecialConditionChoice(
            approval=approval_id,
            municipality=command.municipality_code,
            opted_in=command.opted_in,
            decided_on=command.decided_on,
            recorded_by=principal.subject or "",
        )
    ).run()


async def unique_decisions(
    agreement_ids: Sequence[uuid.UUID] = (), offer_ids: Sequence[uuid.UUID] = ()
) -> list[UniqueDecisionView]:
    condition = all_of(
        [
            UniqueOfferDecision.agreement.is_in(list(agreement_ids)) if agreement_ids else None,
            UniqueOfferDecision.offer.is_in(list(offer_ids)) if offer_ids else None,
        ]
    )
    if condition is None:
        return []
    rows = (
        await UniqueOfferDecision.select()
        .where(condition)
        .order_by(UniqueOfferDecision.year, UniqueOfferDecision.decided_on)
        .run()
    )
    return [_unique_decision_view(row_as(UniqueDecisionRow, row)) for row in rows]


def _unique_decision_view(row: UniqueDecisionRow) -> UniqueDecisionView:
    return UniqueDecisionView.model_validate(
        {**asdict(row), "agreement_id": row.agreement, "offer_id": row.offer}
    )


async def set_unique_status(
    principal: Principal, agreement_id: uuid.UUID, command: UniqueOfferStatusSet
) -> UniqueDecisionView:
    """The steering group's decision, on the expert panel's recommendation, on a unique
    offer for a year; for the current year it is also the offer's status in the catalogue."""
    async with write_transaction(principal, "uniqueOfferStatusSet") as unit:
        agreement = await managed(principal, agreement_id)
        offer = await _offer_in_region(principal, command.offer_id, agreement.region)
        if not agreement.valid_from.year <= command.year <= agreement.valid_to.year:
            raise DomainError(
                ErrorCode.INVALID, "The year lies within the agreement's period.", ["year"]
            )
        decision_id = await _replace_unique_decision(principal, agreement_id, offer.id, command)
        if command.year == today().year and offer.unique_status is not command.status:
            await _set_catalogue_status(principal, agreement, offer, command)
            unit.touch_offer(offer.id)
        await record_event(
            agreement_id,
            principal,
            "unique_offer",
            f"{offer.name} {command.year}: {command.status.value}",
        )
        made = await unit.track(
            "UniqueOfferDecision",
            decision_id,
            partial(_unique_decision, agreement_id, offer.id, command.year),
            new=True,
        )
    return made.result


async def _replace_unique_decision(
    principal: Principal,
    agreement_id: uuid.UUID,
    offer_id: uuid.UUID,
    command: UniqueOfferStatusSet,
) -> uuid.UUID:
    """The decision for the offer and year, in place of any made before; answer its ID."""
    await (
        UniqueOfferDecision.delete()
        .where(
            (UniqueOfferDecision.agreement == agreement_id)
            & (UniqueOfferDecision.offer == offer_id)
            & (UniqueOfferDecision.year == command.year)
        )
        .run()
    )
    decision_id = uuid.uuid4()
    await UniqueOfferDecision.insert(
        UniqueOfferDecision(
            id=decision_id,
            agreement=agreement_id,
            offer=offer_id,
            year=command.year,
            status=command.status.value,
            recommended_by=command.recommended_by,
            working_group=command.working_group,
            progress=command.progress,
            decided_on=command.decided_on,
            recorded_by=principal.subject or "",
        )
    ).run()
    return decision_id


async def _set_catalogue_status(
    principal: Principal,
    agreement: AgreementRow,
    offer: OfferView,
    command: UniqueOfferStatusSet,
) -> None:
    """This year's decision is the offer's unique status in the catalogue; the offer's
    history says so."""
    await (
        Offer.update({Offer.unique_status: command.status.value, Offer.updated_at: utcnow()})
        .where(Offer.id == offer.id)
        .run()
    )
    await offers.record_event(
        offer.id,
        principal,
        "unique_status",
        reason=command.progress,
        detail=f"{offer.unique_status.value} -> {command.status.value} ({agreement.name})",
    )


async def _unique_decision(
    agreement_id: uuid.UUID, offer_id: uuid.UUID, year: int
) -> UniqueDecisionView | None:
    found = await unique_decisions(agreement_ids=[agreement_id], offer_ids=[offer_id])
    return next((d for d in found if d.year == year), None)
