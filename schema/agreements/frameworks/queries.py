"""Read side of the agreement registry: every signed-in user reads the agreements."""

from __future__ import annotations

import datetime

import strawberry

from agreements.frameworks import rulebook, service
from marketplace.core.clock import today
from schema.agreements.frameworks.types import Agreement, AgreementApprovalStatus, ApplicableRules
from schema.context import Info
from schema.ids import node_uuid, require_uuid
from schema.relay import Connection, node_by_id, page_request


@strawberry.type
class AgreementQuery:
    @strawberry.field(
        description=(
            "The regions' social agreements, by region and start; `activeOn` keeps those made "
            "(approved by every party) whose period holds that day."
        )
    )
    async def agreements(
        self,
        info: Info,
        region_code: str | None = None,
        active_on: datetime.date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Agreement]:
        page = await service.list_agreements(
            info.context.principal,
            page_request(info, first, after),
            region_code=region_code,
            active_on=active_on,
        )
        return Connection.of(page, Agreement.of)

    @strawberry.field(description="An agreement by ID; null when there is none.")
    async def agreement(self, info: Info, id: strawberry.ID) -> Agreement | None:
        return await node_by_id(info, id, Agreement)

    @strawberry.field(
        description="Who has approved an agreement, who is missing, and the deadline."
    )
    async def agreement_approval_status(
        self, info: Info, agreement_id: strawberry.ID
    ) -> AgreementApprovalStatus | None:
        found = node_uuid(agreement_id, "Agreement", ("agreementId",))
        if found is None:
            return None
        status = await service.approval_status(info.context.principal, found)
        return AgreementApprovalStatus.of(status) if status else None

    @strawberry.field(
        description=(
            "Which agreement and which of its rules apply to an offer on a day (today when "
            "left out), and why."
        )
    )
    async def applicable_rules(
        self, info: Info, offer_id: strawberry.ID, date: datetime.date | None = None
    ) -> ApplicableRules:
        found = require_uuid(offer_id, "Offer", "offer", "offerId")
        explained = await rulebook.applicable_rules(info.context.principal, found, date or today())
        return ApplicableRules.of(explained)
