"""The market's DataLoaders for one request; each batches one relation into one query."""

from __future__ import annotations

from marketplace.core.identity import Principal
from schema.loaders import per_request
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
        self.principal = principal

    region_by_code = per_request(lambda _: RegionByCodeLoader())
    municipality_by_code = per_request(lambda _: MunicipalityByCodeLoader())
    provider_by_id = per_request(lambda _: ProviderByIdLoader())
    municipality_count_by_region = per_request(lambda _: MunicipalityCountByRegionLoader())
    offer_by_id = per_request(OfferByIdLoader)
    offer_relations = per_request(lambda _: OfferRelationsByOfferLoader())
    target_group_by_code = per_request(lambda _: TargetGroupByCodeLoader())
    service_type_by_code = per_request(lambda _: ServiceTypeByCodeLoader())
    price_lists_by_offer_year = per_request(lambda _: PriceListsByOfferYearLoader())
    history_by_offer = per_request(HistoryByOfferLoader)
    provider_by_org = per_request(lambda _: ProviderByOrgLoader())
    contracted_places_by_offer = per_request(lambda _: ContractedPlacesByOfferLoader())
    placement_request_by_id = per_request(PlacementRequestByIdLoader)
    contract_by_id = per_request(ContractByIdLoader)
    placement_history_by_request = per_request(lambda _: PlacementHistoryByRequestLoader())
    changes_by_contract = per_request(lambda _: ChangesByContractLoader())
    change_by_id = per_request(ChangeByIdLoader)
    proposal_by_id = per_request(ProposalByIdLoader)
    proposals_by_request = per_request(lambda _: ProposalsByRequestLoader())
    refund_claim_by_id = per_request(RefundClaimByIdLoader)
    refund_claims_by_contract = per_request(RefundClaimsByContractLoader)
    need_by_id = per_request(NeedByIdLoader)
    need_answer_by_id = per_request(NeedAnswerByIdLoader)
    need_answers_by_need = per_request(NeedAnswersByNeedLoader)
    offer_comparison = per_request(lambda _: OfferComparisonByOfferLoader())
    request_id_by_need_answer = per_request(lambda _: RequestIdByNeedAnswerLoader())
    notices_by_contract = per_request(lambda _: NoticesByContractLoader())
    contract_date_by_id = per_request(ContractDateByIdLoader)
    contract_dates_by_contract = per_request(ContractDatesByContractLoader)
    follow_up_by_id = per_request(FollowUpByIdLoader)
    follow_ups_by_contract = per_request(FollowUpsByContractLoader)
    invoice_by_id = per_request(InvoiceByIdLoader)
    invoice_lines_by_invoice = per_request(InvoiceLinesByInvoiceLoader)
    credit_note_by_id = per_request(CreditNoteByIdLoader)
    credit_notes_by_invoice = per_request(lambda _: CreditNotesByInvoiceLoader())
    delivered_hours_by_contract = per_request(lambda _: DeliveredHoursByContractLoader())
