"""DataLoaders of the agreement registry, created per request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial
from typing import TypeVar

from agreements.announcements import service as announcements
from agreements.announcements.models import AnnouncementView, ReportView
from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementView,
    DecisionView,
    RuleSetView,
    SpecialConditionView,
    UniqueDecisionView,
)
from marketplace.core.identity import Principal
from schema.marketplace.loaders import KeyedLoader

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


class AnnouncementByIdLoader(KeyedLoader[uuid.UUID, AnnouncementView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(announcements.announcements_by_id, principal))


class ReportByIdLoader(KeyedLoader[uuid.UUID, ReportView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(announcements.reports_by_id, principal))


class ReportsByAnnouncementLoader(KeyedLoader[uuid.UUID, list[ReportView]]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(announcements.reports_by_announcement, principal), default=[])


class AgreementLoaders:
    """The registry's loaders for one request."""

    def __init__(self, principal: Principal) -> None:
        self.agreement_by_id = AgreementByIdLoader(principal)
        self.rule_sets_by_agreement = RuleSetsByAgreementLoader()
        self.decisions_by_agreement = DecisionsByAgreementLoader()
        self.special_conditions_by_agreement = SpecialConditionsByAgreementLoader()
        self.special_condition_by_id = SpecialConditionByIdLoader(principal)
        self.unique_decisions_by_agreement = UniqueDecisionsByAgreementLoader()
        self.announcement_by_id = AnnouncementByIdLoader(principal)
        self.report_by_id = ReportByIdLoader(principal)
        self.reports_by_announcement = ReportsByAnnouncementLoader(principal)
