"""DataLoaders of contracting, created per request."""

from __future__ import annotations

import uuid
from functools import partial

from marketplace.contracts import capacity, notices, parties, proposals, refunds, requests
from marketplace.contracts import service as contract_service
from marketplace.contracts.models import (
    ChangeView,
    ContractView,
    EventView,
    NoticeView,
    ProposalView,
    RefundClaimView,
    RequestView,
)
from marketplace.core.clock import today
from marketplace.core.identity import Principal
from schema.loaders import KeyedLoader


class ContractedPlacesByOfferLoader(KeyedLoader[uuid.UUID, int]):
    """Places under contract today."""

    def __init__(self) -> None:
        super().__init__(lambda ids: capacity.contracted_on(ids, today()), default=0)


class PlacementRequestByIdLoader(KeyedLoader[uuid.UUID, RequestView]):
    """Requests the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(requests.requests_by_id, principal))


class ContractByIdLoader(KeyedLoader[uuid.UUID, ContractView]):
    """Contracts the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(parties.contracts_by_id, principal))


class PlacementHistoryByRequestLoader(KeyedLoader[uuid.UUID, list[EventView]]):
    """The history of a request and its contract (asked only for requests already seen)."""

    def __init__(self) -> None:
        super().__init__(parties.history, default=[])


class ChangeByIdLoader(KeyedLoader[uuid.UUID, ChangeView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(contract_service.changes_by_id, principal))


class ChangesByContractLoader(KeyedLoader[uuid.UUID, list[ChangeView]]):
    def __init__(self) -> None:
        super().__init__(contract_service.changes_by_contract, default=[])


class NoticesByContractLoader(KeyedLoader[uuid.UUID, list[NoticeView]]):
    """The notices given on contracts the caller has seen."""

    def __init__(self) -> None:
        super().__init__(notices.notices_by_contract, default=[])


class ProposalByIdLoader(KeyedLoader[uuid.UUID, ProposalView]):
    """Proposals on requests the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(proposals.proposals_by_id, principal))


class ProposalsByRequestLoader(KeyedLoader[uuid.UUID, list[ProposalView]]):
    """Every proposal on a request (asked only for requests already seen)."""

    def __init__(self) -> None:
        super().__init__(proposals.proposals_by_request, default=[])


class RefundClaimByIdLoader(KeyedLoader[uuid.UUID, RefundClaimView]):
    """Refund claims the caller may read (its municipality's, as claimant or debtor)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(refunds.claims_by_id, principal))


class RefundClaimsByContractLoader(KeyedLoader[uuid.UUID, list[RefundClaimView]]):
    """The refund claims of contracts the caller has seen, that it may read."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(refunds.claims_by_contract, principal), default=[])
