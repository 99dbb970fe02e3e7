"""Tables of the framework-agreement registry: a region's social agreement (socialaftale /
rammeaftale), its parties and their council decisions, its development part (vision, focus
areas), documents and process dates, its rules (versioned), and the steering group's
decisions on special conditions and unique offers."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from marketplace.offers.tables import Offer


class Agreement(Table, tablename="agreement"):
    id = UUID(primary_key=True)
    region = Varchar(length=4, index=True)
    name = Varchar(length=200)
    valid_from = Date()
    valid_to = Date()
    status = Varchar(length=24, index=True)
    steering_group = Varchar(length=120, default="")
    vision = Text(default="")
    approval_deadline = Date(null=True, default=None)
    is_demo = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # The agreement's revision (1 until the steering group revises it) and the revision
    # from which council decisions count: a substantive revision sets it to itself.
    revision = SmallInt(default=1)
    approvals_from = SmallInt(default=1)


class AgreementParty(Table, tablename="agreement_party"):
    """A party: a municipality of the region (3-digit code) or the region (4-digit code)."""

    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    party = Varchar(length=4)


class FocusArea(Table, tablename="agreement_focus_area"):
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    position = SmallInt()
    title = Varchar(length=200)
    text = Text(default="")
    target_groups = JSON(default=[])


class AgreementDocument(Table, tablename="agreement_document"):
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    position = SmallInt()
    title = Varchar(length=200)
    url = Varchar(length=500)


class Milestone(Table, tablename="agreement_milestone"):
    """A key date of the agreement's process: a day, or a period from ``starts_on`` to
    ``ends_on``."""

    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    position = SmallInt()
    title = Varchar(length=200)
    starts_on = Date()
    ends_on = Date(null=True, default=None)
    description = Text(default="")


class CouncilDecision(Table, tablename="council_decision"):
    """A party's council's decision on the agreement; a party without one is pending."""

    id = UUID(primary_key=True)
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    party = Varchar(length=4)
    decision = Varchar(length=16)
    body = Varchar(length=120)
    decided_on = Date()
    reference = Varchar(length=300, default="")
    recorded_by = Varchar(length=100)
    recorded_at = Timestamptz(default=TimestamptzNow())
    # the agreement's revision the council decided on
    revision = SmallInt(default=1)


class RuleSet(Table, tablename="agreement_rule_set"):
    """A version of the agreement's rules (the steering part), in force from ``valid_from``
    until the next set's ``valid_from`` or the agreement's end."""

    id = UUID(primary_key=True)
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    valid_from = Date()
    version = SmallInt()
    rules = JSON()
    is_example = Boolean(default=False)
    set_by = Varchar(length=100)
    set_at = Timestamptz(default=TimestamptzNow())


class SpecialConditionApproval(Table, tablename="special_condition_approval"):
    """A special condition for a new offer for a small target group, approved by the steering
    group for a period; each municipality opts in or out."""

    id = UUID(primary_key=True)
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
    condition = Varchar(length=40)
    approved_by = Varchar(length=120)
    approved_on = Date()
    valid_from = Date()
    valid_to = Date()
    parameters = JSON(default={})
    notes = Text(default="")
    recorded_by = Varchar(length=100)


class SpecialConditionChoice(Table, tablename="special_condition_choice"):
    approval = ForeignKey(
        references=SpecialConditionApproval, null=False, index=True, on_delete=OnDelete.cascade
    )
    municipality = Varchar(length=3)
    opted_in = Boolean()
    decided_on = Date()
    recorded_by = Varchar(length=100)


class UniqueOfferDecision(Table, tablename="unique_offer_decision"):
    """A year's status of a unique offer in the reinforced cooperation: recommended by the
    expert panel, decided by the steering group; in the emergency track (nødspor) a working
    group proposes how the offer can go on."""

    id = UUID(primary_key=True)
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
    year = SmallInt()
    status = Varchar(length=32)
    recommended_by = Varchar(length=120, default="")
    working_group = Text(default="")
    progress = Text(default="")
    decided_on = Date()
    recorded_by = Varchar(length=100)


class AgreementEvent(Table, tablename="agreement_event"):
    """The agreement's history: who changed what, for which organisation, when."""

    id = UUID(primary_key=True)
    agreement = ForeignKey(references=Agreement, null=False, index=True, on_delete=OnDelete.cascade)
    at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=40)
    actor = Varchar(length=100)
    actor_org = Varchar(length=8, null=True, default=None)
    detail = Text(default="")
