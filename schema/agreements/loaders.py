"""The agreement registry's DataLoaders for one request."""

from __future__ import annotations

from marketplace.core.identity import Principal
from schema.agreements.announcements.loaders import (
    AnnouncementByIdLoader,
    ReportByIdLoader,
    ReportsByAnnouncementLoader,
)
from schema.agreements.frameworks.loaders import (
    AgreementByIdLoader,
    DecisionsByAgreementLoader,
    RuleSetsByAgreementLoader,
    SpecialConditionByIdLoader,
    SpecialConditionsByAgreementLoader,
    UniqueDecisionsByAgreementLoader,
)
from schema.loaders import per_request


class AgreementLoaders:
    """The registry's loaders for one request."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    agreement_by_id = per_request(AgreementByIdLoader)
    rule_sets_by_agreement = per_request(lambda _: RuleSetsByAgreementLoader())
    decisions_by_agreement = per_request(lambda _: DecisionsByAgreementLoader())
    special_conditions_by_agreement = per_request(lambda _: SpecialConditionsByAgreementLoader())
    special_condition_by_id = per_request(SpecialConditionByIdLoader)
    unique_decisions_by_agreement = per_request(lambda _: UniqueDecisionsByAgreementLoader())
    announcement_by_id = per_request(AnnouncementByIdLoader)
    report_by_id = per_request(ReportByIdLoader)
    reports_by_announcement = per_request(ReportsByAnnouncementLoader)
