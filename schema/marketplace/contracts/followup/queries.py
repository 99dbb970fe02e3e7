"""Read side of follow-up and renegotiation: the dates due in a period, and the case load a
municipality reviews."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import caseload, followups
from marketplace.contracts.models import CaseLoadFilter, CaseLoadSort, ContractDateStatus
from marketplace.core.errors import parse
from schema.context import Info
from schema.convert import input_data, without_nulls
from schema.errors import arguments
from schema.ids import filter_uuid
from schema.marketplace.contracts.followup.inputs import (
    CaseLoadFilterInput,
    CaseLoadSortInput,
    ContractDateFilterInput,
)
from schema.marketplace.contracts.followup.types import CaseLoadItem, ContractDate
from schema.relay import Connection, page_request


def _given(value: object) -> Any:
    """A filter's value, None when left out or null."""
    return None if value is strawberry.UNSET else value


def _case_load_filter(filter: CaseLoadFilterInput | None) -> CaseLoadFilter:
    data = without_nulls(input_data(filter)) if filter is not None else {}
    offer = data.pop("offer_id", None)
    data["offer_id"] = filter_uuid(offer, "Offer", "offer", "offer_id")
    return parse(CaseLoadFilter, data)


@strawberry.type
class FollowUpQuery:
    @strawberry.field(
        description=(
            "Follow-up and renegotiation dates of your contracts (as buyer or provider), "
            "earliest first: by default those planned on running contracts; with a kind and "
            "a period, the contracts due for follow-up or renegotiation then."
        )
    )
    async def contract_dates(
        self,
        info: Info,
        filter: ContractDateFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ContractDate]:
        given = filter or ContractDateFilterInput()
        contract = _given(given.contract_id)
        with arguments("filter"):
            page = await followups.list_dates(
                info.context.principal,
                page_request(info, first, after),
                kind=_given(given.kind),
                status=_given(given.status) or ContractDateStatus.PLANNED,
                due_from=_given(given.due_from),
                due_to=_given(given.due_to),
                contract_id=filter_uuid(contract, "Contract", "contract", "contract_id"),
            )
        return Connection.of(page, ContractDate.of)

    @strawberry.field(
        description=(
            "The case load you review: your running placements (a municipality's purchasers: "
            "those it bought; a provider's administrators: those it delivers), with length of "
            "stay, hours a week and monthly cost, filtered and sorted (the longest stay first "
            "by default)."
        )
    )
    async def case_load(
        self,
        info: Info,
        filter: CaseLoadFilterInput | None = None,
        sort: CaseLoadSortInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CaseLoadItem]:
        with arguments("filter"):
            wanted = _case_load_filter(filter)
        with arguments("sort"):
            order = parse(CaseLoadSort, without_nulls(input_data(sort)) if sort else {})
        with arguments():
            page = await caseload.case_load(
                info.context.principal, page_request(info, first, after), wanted, order
            )
        return Connection.of(page, CaseLoadItem.of)
