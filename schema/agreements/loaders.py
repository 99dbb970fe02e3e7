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
