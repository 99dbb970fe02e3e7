"""DataLoaders of follow-up and renegotiation, created per request."""

from __future__ import annotations

import uuid
from functools import partial

from marketplace.contracts import followups
from marketplace.contracts.models import ContractDateView, FollowUpView
from marketplace.core.identity import Principal
from schema.loaders import KeyedLoader


class ContractDateByIdLoader(KeyedLoader[uuid.UUID, ContractDateView]):
    """Dates of contracts the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(followups.dates_by_id, principal))


class ContractDatesByContractLoader(KeyedLoader[uuid.UUID, list[ContractDateView]]):
    """Every date of contracts the caller has seen, earliest first."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(followups.dates_by_contract, principal), default=[])


class FollowUpByIdLoader(KeyedLoader[uuid.UUID, FollowUpView]):
    """Follow-ups of contracts the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(followups.follow_ups_by_id, principal))


class FollowUpsByContractLoader(KeyedLoader[uuid.UUID, list[FollowUpView]]):
    """Every follow-up held on contracts the caller has seen, the latest first."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(followups.follow_ups_by_contract, principal), default=[])
