"""The market's DataLoaders for one request; each batches one relation into one query."""

from __future__ import annotations

from marketplace.core.identity import Principal
from schema.marketplace.contracts.followup.loaders import (
    ContractDateByIdLoader,
    ContractDatesByContractLoader,
    FollowUpByIdLoader,
    FollowUpsByContractLoader,
)
from schema.marketplace.contracts.invoices.loaders import (
    CreditNoteByIdLoader,
    CreditNotesByInvoiceLoader,
    DeliveredHoursByContractLoader,
    InvoiceByIdLoader,
    InvoiceLinesByInvoiceLoader,
)
from schema.marketplace.contracts.loaders import (
    ChangeByIdLoader,
    ChangesByContractLoader,
    ContractByIdLoader,
    ContractedPlacesByOfferLoader,
    NoticesByContractLoader,
    PlacementHistoryByRequestLoader,
    PlacementRequestByIdLoader,
    ProposalByIdLoader,
    ProposalsByRequestLoader,
    RefundClaimByIdLoader,
    RefundClaimsByContractLoader,
)
from schema.marketplace.contracts.needs.loaders import (
    NeedAnswerByIdLoader,
    NeedAnswersByNeedLoader,
    NeedByIdLoader,
    OfferComparisonByOfferLoader,
    RequestIdByNeedAnswerLoader,
)
from schema.marketplace.offers.loaders import (
    HistoryByOfferLoader,
    OfferByIdLoader,
    OfferRelationsByOfferLoader,
    PriceListsByOfferYearLoader,
    ServiceTypeByCodeLoader,
    TargetGroupByCodeLoader,
)
from schema.marketplace.organisations.loaders import (
    MunicipalityByCodeLoader,
    MunicipalityCountByRegionLoader,
    ProviderByIdLoader,
    ProviderByOrgLoader,
    RegionByCodeLoader,
)


class MarketplaceLoaders:
    """The market's loaders for one request (never shared: their caches are per caller)."""

    def __init__(self, principal: Principal) -> None:
        self.region_by_code = RegionByCodeLoader()
        self.municipality_by_code = MunicipalityByCodeLoader()
        self.provider_by_id = ProviderByIdLoader()
        self.municipality_count_by_region = MunicipalityCountByRegionLoader()
        self.offer_by_id = OfferByIdLoader(principal)
        self.offer_relations = OfferRelationsByOfferLoader()
        self.target_group_by_code = TargetGroupByCodeLoader()
        self.service_type_by_code = ServiceTypeByCodeLoader()
        self.price_lists_by_offer_year = PriceListsByOfferYearLoader()
        self.history_by_offer = HistoryByOfferLoader(principal)
        self.provider_by_org = ProviderByOrgLoader()
        self.contracted_places_by_offer = ContractedPlacesByOfferLoader()
        self.placement_request_by_id = PlacementRequestByIdLoader(principal)
        self.contract_by_id = ContractByIdLoader(principal)
        self.placement_history_by_request = PlacementHistoryByRequestLoader()
        self.changes_by_contract = ChangesByContractLoader()
        self.change_by_id = ChangeByIdLoader(principal)
        self.proposal_by_id = ProposalByIdLoader(principal)
        self.proposals_by_request = ProposalsByRequestLoader()
        self.refund_claim_by_id = RefundClaimByIdLoader(principal)
        self.refund_claims_by_contract = RefundClaimsByContractLoader(principal)
        self.need_by_id = NeedByIdLoader(principal)
        self.need_answer_by_id = NeedAnswerByIdLoader(principal)
        self.need_answers_by_need = NeedAnswersByNeedLoader(principal)
        self.offer_comparison = OfferComparisonByOfferLoader()
        self.request_id_by_need_answer = RequestIdByNeedAnswerLoader()
        self.notices_by_contract = NoticesByContractLoader()
        self.contract_date_by_id = ContractDateByIdLoader(principal)
        self.contract_dates_by_contract = ContractDatesByContractLoader(principal)
        self.follow_up_by_id = FollowUpByIdLoader(principal)
        self.follow_ups_by_contract = FollowUpsByContractLoader(principal)
        self.invoice_by_id = InvoiceByIdLoader(principal)
        self.invoice_lines_by_invoice = InvoiceLinesByInvoiceLoader(principal)
        self.credit_note_by_id = CreditNoteByIdLoader(principal)
        self.credit_notes_by_invoice = CreditNotesByInvoiceLoader()
        self.delivered_hours_by_contract = DeliveredHoursByContractLoader()
