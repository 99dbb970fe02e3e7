"""DataLoaders of the framework agreements, created per request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial
from typing import TypeVar

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementView,
    DecisionView,
    RuleSetView,
    SpecialConditionView,
    UniqueDecisionView,
)
from marketplace.core.identity import Principal
from schema.loaders import KeyedLoader

T = TypeVar("T", SpecialConditionView, UniqueDecisionView)


def _by_agreement(items: Sequence[T], ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[T]]:
    grouped: dict[uuid.UUID, list[T]] = {i: [] for i in ids}
    for item in items:
        grouped[item.agreement_id].append(item)
    return grouped


async def _conditions(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[SpecialConditionView]]:
    return _by_agreement(await service.special_conditions(agreement_ids=ids), ids)


async def _uniques(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[UniqueDecisionView]]:
    return _by_agreement(await service.unique_decisions(agreement_ids=ids), ids)


async def _conditions_by_id(
    principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, SpecialConditionView]:
    if not principal.is_authenticated:
        return {}
    return {c.id: c for c in await service.special_conditions(ids=ids)}


class AgreementByIdLoader(KeyedLoader[uuid.UUID, AgreementView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(service.agreements_by_id, principal))


class RuleSetsByAgreementLoader(KeyedLoader[uuid.UUID, list[RuleSetView]]):
    def __init__(self) -> None:
        super().__init__(service.rule_sets_by_agreement, default=[])


class DecisionsByAgreementLoader(KeyedLoader[uuid.UUID, list[DecisionView]]):
    def __init__(self) -> None:
        super().__init__(service.decisions_by_agreement, default=[])


class SpecialConditionsByAgreementLoader(KeyedLoader[uuid.UUID, list[SpecialConditionView]]):
    def __init__(self) -> None:
        super().__init__(_conditions, default=[])


class SpecialConditionByIdLoader(KeyedLoader[uuid.UUID, SpecialConditionView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(_conditions_by_id, principal))


class UniqueDecisionsByAgreementLoader(KeyedLoader[uuid.UUID, list[UniqueDecisionView]]):
    def __init__(self) -> None:
        super().__init__(_uniques, default=[])
