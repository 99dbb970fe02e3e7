"""Placement requests: a municipality asks an offer for a place; the provider accepts, which
makes the contract, or declines with a reason; the municipality may withdraw; an unanswered
request expires."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from marketplace.contracts import parties
from marketplace.contracts.capacity import OfferIntake, check_capacity, lock_offer
from marketplace.contracts.models import (
    AddOnRequest,
    ContractStatus,
    ContractView,
    DeclineReason,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
    RequestStatus,
    RequestView,
)
from marketplace.contracts.pricing import agreed_add_ons, agreed_price, price_list_on
from marketplace.contracts.rows import RequestOfContract, RequestRow
from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest
from marketplace.core import cpr, idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import row_or_none, rows_as
from marketplace.core.rules import ContractRules, StatedTerms, rule_book
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import OWN_KINDS, OfferStatus, OfferView, PriceListView
from marketplace.offers.pricing import lock_price_list
from marketplace.offers.taxonomy import LegalBasis, legal_bases

_REQUEST = "placement request"


async def _contract_ids(request_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not request_ids:
        return {}
    rows = (
        await Contract.select(Contract.id, Contract.request)
        .where(Contract.request.is_in(list(request_ids)))
        .run()
    )
    return {row.request: row.id for row in rows_as(RequestOfContract, rows)}


async def _views(principal: Principal, rows: Sequence[RequestRow]) -> list[RequestView]:
    contracts = await _contract_ids([row.id for row in rows])
    return [parties.request_view(principal, row, contracts.get(row.id)) for row in rows]


async def requests_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RequestView]:
    """The requests the caller may read, by ID."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = (
        await PlacementRequest.select()
        .where(PlacementRequest.id.is_in(list(ids)))
        .output(load_json=True)
        .run()
    )
    readable = [
        r for r in rows_as(RequestRow, rows) if parties.can_read(principal, r.buyer, r.provider_org)
    ]
    return {view.id: view for view in await _views(principal, readable)}


async def get_request(principal: Principal, request_id: uuid.UUID) -> RequestView | None:
    return (await requests_by_id(principal, [request_id])).get(request_id)


async def list_requests(
    principal: Principal,
    page: PageRequest,
    *,
    status: RequestStatus | None = None,
    offer_id: uuid.UUID | None = None,
) -> Page[RequestView]:
    """The caller's requests (the buyer's or the provider's), oldest first."""
    conditions = [parties.visible(PlacementRequest, principal)]
    if status is not None:
        conditions.append(parties.request_status_is(status, today()))
    if offer_id is not None:
        conditions.append(PlacementRequest.offer == offer_id)
    rows = await paginate(
        PlacementRequest,
        where=all_of(conditions),
        order_by=[PlacementRequest.created_at, PlacementRequest.id],
        page=page,
        load_json=True,
    )
    return rows.with_items(await _views(principal, rows_as(RequestRow, rows.items)))


async def expire_due(day: datetime.date) -> int:
    """The calendar's work: record pending requests whose answer is overdue as expired;
    return how many."""
    return await parties.settle_due(
        PlacementRequest,
        parties.overdue_requests(day),
        RequestStatus.EXPIRED.value,
        "expired",
        operation="placementRequestExpire",
        load=partial(get_request, SYSTEM),
        detail="No answer before the deadline.",
    )


def _legal_basis(offer_bases: list[LegalBasis], wanted: LegalBasis | None, category: Any) -> str:
    if wanted is not None:
        if wanted not in offer_bases:
            raise DomainError(
                ErrorCode.INVALID,
                "The offer is not approved under that paragraph.",
                ["legal_basis"],
            )
        return wanted.value
    own = [b for b in offer_bases if legal_bases()[b].kind in OWN_KINDS[category]]
    chosen = own or offer_bases
    if not chosen:
        raise DomainError(ErrorCode.INVALID, "The offer names no legal basis.", ["offer_id"])
    return chosen[0].value


@dataclass(frozen=True, slots=True)
class _Citizen:
    """The citizen a request is for: what is kept of the CPR number, and the birth date."""

    hash: str
    masked: str
    born: datetime.date


def _citizen_of(command: PlacementRequestCreate) -> _Citizen | None:
    """The citizen whose CPR number the request gives, if it gives one."""
    if command.cpr is None:
        return None
    try:
        citizen = cpr.citizen_id(command.cpr.get_secret_value())
        born = cpr.birth_date(command.cpr.get_secret_value())
    except DomainError as error:
        raise DomainError(error.code, error.message, ["cpr"]) from None
    return _Citizen(citizen.hash, citizen.masked, born)


async def _claim_request(
    buyer: str,
    command: PlacementRequestCreate,
    citizen: _Citizen | None,
    idempotency_key: str | None,
) -> idempotency.Claim | None:
    """The call's hold on its idempotency key, if it has one (the CPR number is told apart
    by its keyed hash)."""
    if idempotency_key is None:
        return None
    payload = {**command.fingerprint_payload(), "cpr": citizen.hash if citizen else None}
    return await idempotency.claim(f"{buyer}:placementRequestCreate", idempotency_key, payload)


async def _published_offer(principal: Principal, offer_id: uuid.UUID) -> OfferView:
    offer = await offers.get_offer(principal, offer_id)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        raise parties.not_found("offer", ["offer_id"])
    return offer


def _validate_desired_start(desired_start: datetime.date, day: datetime.date) -> None:
    if desired_start < day:
        raise DomainError(
            ErrorCode.INVALID,
            "The desired start cannot lie in the past.",
            ["desired_start"],
        )


def _validate_age(citizen: _Citizen | None, start: datetime.date, offer: OfferView) -> None:
    """The citizen's age on the first day fits the offer's ages."""
    if citizen is None:
        return
    age = _age(citizen.born, start)
    if not offer.min_age <= age <= offer.max_age:
        raise DomainError(
            ErrorCode.INVALID,
            f"The citizen will be {age} at the start; the offer takes ages "
            f"{offer.min_age} to {offer.max_age}.",
            ["cpr"],
        )


async def _choose_legal_basis(offer: OfferView, command: PlacementRequestCreate) -> str:
    relations = (await offers.relations_by_offer([offer.id]))[offer.id]
    return _legal_basis(relations.legal_bases, command.legal_basis, offer.category)


async def _validate_price(offer_id: uuid.UUID, command: PlacementRequestCreate) -> None:
    """The level, hours and add-ons asked for are priced by the price list in force on the
    desired start."""
    version = await price_list_on(offer_id, command.desired_start, ["desired_start"])
    agreed_price(version, command.price_level, command.hours_per_month)
    agreed_add_ons(version, command.add_ons)


async def _write_request(
    principal: Principal,
    command: PlacementRequestCreate,
    offer: OfferView,
    *,
    buyer: str,
    citizen: _Citizen | None,
    basis: str,
    day: datetime.date,
) -> uuid.UUID:
    """Store the pending request and the first entry of its history."""
    request_id = uuid.uuid4()
    await PlacementRequest.insert(
        PlacementRequest(
            id=request_id,
            offer=offer.id,
            provider_org=offer.provider_org_code,
            buyer=buyer,
            citizen_ref=command.citizen_ref,
            cpr_hash=citizen.hash if citizen else None,
            cpr_masked=citizen.masked if citizen else None,
            legal_basis=basis,
            desired_start=command.desired_start,
            price_level=command.price_level,
            hours_per_month=(
                parties.hundredths(command.hours_per_month)
                if command.hours_per_month is not None
                else None
            ),
            add_ons=[a.model_dump(mode="json") for a in command.add_ons],
            urgency=command.urgency.value,
            message=command.message,
            individual_plan_ref=command.individual_plan_ref,
            follow_up_on=command.follow_up_on,
            status=RequestStatus.PENDING.value,
            expires_on=day + datetime.timedelta(days=get_settings().placement_request_expiry_days),
            created_at=utcnow(),
            created_by=principal.subject or "",
        )
    ).run()
    await parties.record(
        principal,
        "requested",
        request=request_id,
        to_status=RequestStatus.PENDING.value,
        detail=f"{command.urgency.value}, start {command.desired_start.isoformat()}",
    )
    return request_id


async def create_request(
    principal: Principal, command: PlacementRequestCreate, idempotency_key: str | None = None
) -> RequestView:
    """A purchaser asks an offer for a place for a citizen of its municipality."""
    principal.require(Role.PURCHASER)
    assert principal.org_code is not None
    buyer = principal.org_code
    day = today()
    citizen = _citizen_of(command)
    async with write_transaction(principal, "placementRequestCreate") as unit:
        claim = await _claim_request(buyer, command, citizen, idempotency_key)
        if claim is not None and claim.previous is not None:
            found = await get_request(principal, claim.previous)
            assert found is not None
            return found
        offer = await _published_offer(principal, command.offer_id)
        _validate_desired_start(command.desired_start, day)
        _validate_age(citizen, command.desired_start, offer)
        basis = await _choose_legal_basis(offer, command)
        await _validate_price(offer.id, command)
        request_id = await _write_request(
            principal,
            command,
            offer,
            buyer=buyer,
            citizen=citizen,
            basis=basis,
            day=day,
        )
        if claim is not None:
            await claim.remember(request_id)
        created = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id), new=True
        )
    return created.result


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


async def _pending_for(principal: Principal, request_id: uuid.UUID, role: Role) -> RequestRow:
    """The request, if the caller is its party in ``role`` and it awaits an answer; held
    until the answer commits, so two answers to one request take turns."""
    principal.require(role)
    row = row_or_none(RequestRow, await lock_row(PlacementRequest, request_id, load_json=True))
    if row is None or not parties.is_party(principal, row.buyer, row.provider_org):
        raise parties.not_found(_REQUEST)
    status = parties.request_status(row.status, row.expires_on, today())
    if status != RequestStatus.PENDING.value:
        raise DomainError(ErrorCode.INVALID_STATE, f"The request is {status}, not pending.", ["id"])
    return row


async def _answer(
    principal: Principal,
    request: RequestRow,
    to: RequestStatus,
    *,
    reason: DeclineReason | None = None,
    text: str = "",
) -> None:
    await (
        PlacementRequest.update(
            {
                PlacementRequest.status: to.value,
                PlacementRequest.answered_at: utcnow(),
                PlacementRequest.decline_reason: reason.value if reason else None,
                PlacementRequest.decline_text: text,
            }
        )
        .where(PlacementRequest.id == request.id)
        .run()
    )
    await parties.record(
        principal,
        to.value,
        request=request.id,
        from_status=request.status,
        to_status=to.value,
        detail=(reason.value if reason else "") + (f": {text}" if text else ""),
    )


async def decline_request(
    principal: Principal, request_id: uuid.UUID, command: PlacementRequestDecline
) -> RequestView:
    async with write_transaction(principal, "placementRequestDecline") as unit:
        request = await _pending_for(principal, request_id, Role.PROVIDER_ADMIN)
        found = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        await _answer(
            principal, request, RequestStatus.DECLINED, reason=command.reason, text=command.text
        )
    return found.result


async def withdraw_request(principal: Principal, request_id: uuid.UUID, reason: str) -> RequestView:
    async with write_transaction(principal, "placementRequestWithdraw") as unit:
        request = await _pending_for(principal, request_id, Role.PURCHASER)
        found = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        await _answer(principal, request, RequestStatus.WITHDRAWN, text=reason.strip())
    return found.result


def _takes_people_in(status: str) -> None:
    if status != OfferStatus.PUBLISHED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The offer is {status}: it takes no one in now.",
            ["id"],
        )


async def _claim_acceptance(
    provider_org: str,
    request_id: uuid.UUID,
    command: PlacementRequestAccept,
    idempotency_key: str | None,
) -> idempotency.Claim | None:
    """The call's hold on its idempotency key, if it has one."""
    if idempotency_key is None:
        return None
    payload = {"request": str(request_id), **command.model_dump(mode="json")}
    return await idempotency.claim(
        f"{provider_org}:placementRequestAccept", idempotency_key, payload
    )


def _start_of(
    command: PlacementRequestAccept, request: RequestRow, day: datetime.date
) -> datetime.date:
    """The contract's first day: the provider's, or the desired start (today at the earliest)."""
    start = command.start_date or max(request.desired_start, day)
    if start < day:
        raise DomainError(ErrorCode.INVALID, "The start cannot lie in the past.", ["start_date"])
    return start


async def _offer_with_room(
    principal: Principal, request: RequestRow, start: datetime.date
) -> OfferView:
    """The offer asked, if it takes people in and has a place from ``start`` on, as far as
    can be told without its lock (``_claim_place`` decides again, holding it); fails fast."""
    offer = await offers.get_offer(principal, request.offer)
    assert offer is not None  # the provider sees its own offers
    _takes_people_in(offer.status.value)
    await check_capacity(offer.id, offer.capacity_places, offer.occupied_places, start)
    return offer


@dataclass(frozen=True, slots=True)
class _Agreed:
    """What an acceptance agrees: the price list the price is taken from, the first term's
    price columns and add-ons, and the rules the contract is made under."""

    version: PriceListView
    price: dict[str, Any]
    add_ons: list[dict[str, Any]]
    rules: ContractRules


async def _agree_terms(
    offer: OfferView,
    request: RequestRow,
    command: PlacementRequestAccept,
    start: datetime.date,
) -> _Agreed:
    """Price the request by the price list in force on the start, and find the rules (notice,
    billing) of the agreement that covers the offer then."""
    version = await price_list_on(offer.id, start, ["start_date"])
    hours = request.hours_per_month
    price = agreed_price(
        version,
        request.price_level,
        parties.from_hundredths(hours) if hours is not None else None,
        special=command.special_arrangement_price,
    )
    add_ons = agreed_add_ons(version, [AddOnRequest.model_validate(a) for a in request.add_ons])
    facts = offers.rule_facts(
        offer,
        (await offers.legal_bases_by_offer([offer.id]))[offer.id],
        stated=StatedTerms(version.notice_days, version.bill_first_day, version.bill_last_day),
        basis=request.legal_basis,
    )
    rules = await rule_book().contract_rules(facts, start)
    return _Agreed(version, price, add_ons, rules)


async def _claim_place(offer_id: uuid.UUID, start: datetime.date) -> None:
    """Take the offer's row lock, held to the commit, and decide under it that the offer
    takes people in and has a place on every day from ``start`` on: two acceptances
    competing for the last place take turns here, and the second sees the first."""
    places = await lock_offer(OfferIntake, offer_id)
    _takes_people_in(places.status)
    await check_capacity(offer_id, places.capacity_places, places.occupied_places, start)


async def _write_contract(
    request: RequestRow, offer_id: uuid.UUID, start: datetime.date, agreed: _Agreed
) -> uuid.UUID:
    """Store the contract and its first term, and mark the price list as in use."""
    contract_id = uuid.uuid4()
    now = utcnow()
    rules = agreed.rules
    await Contract.insert(
        Contract(
            id=contract_id,
            request=request.id,
            offer=offer_id,
            provider_org=request.provider_org,
            buyer=request.buyer,
            citizen_ref=request.citizen_ref,
            cpr_hash=request.cpr_hash,
            cpr_masked=request.cpr_masked,
            legal_basis=request.legal_basis,
            start_date=start,
            status=ContractStatus.ACTIVE.value,
            notice_days=rules.notice_days,
            bill_first_day=rules.bill_first_day,
            bill_last_day=rules.bill_last_day,
            rules_source=rules.source[:200],
            individual_plan_ref=request.individual_plan_ref,
            follow_up_on=request.follow_up_on,
            created_at=now,
            updated_at=now,
        )
    ).run()
    await ContractTerm.insert(
        ContractTerm(
            id=uuid.uuid4(),
            contract=contract_id,
            valid_from=start,
            **agreed.price,
            add_ons=agreed.add_ons,
        )
    ).run()
    await lock_price_list(agreed.version.id)
    return contract_id


async def accept_request(
    principal: Principal,
    request_id: uuid.UUID,
    command: PlacementRequestAccept,
    idempotency_key: str | None = None,
) -> ContractView:
    """The provider accepts: the contract is made, if a place is free on every day from the
    start on. Two acceptances competing for the last place take turns on the offer's row,
    held from the final capacity check to the commit; the work before it runs unlocked."""
    principal.require(Role.PROVIDER_ADMIN)
    assert principal.org_code is not None
    day = today()
    async with write_transaction(principal, "placementRequestAccept") as unit:
        claim = await _claim_acceptance(principal.org_code, request_id, command, idempotency_key)
        if claim is not None and claim.previous is not None:
            found = await parties.contracts_by_id(principal, [claim.previous])
            return found[claim.previous]
        request = await _pending_for(principal, request_id, Role.PROVIDER_ADMIN)
        pending = await get_request(principal, request_id)
        start = _start_of(command, request, day)
        offer = await _offer_with_room(principal, request, start)
        agreed = await _agree_terms(offer, request, command, start)
        await _claim_place(offer.id, start)
        contract_id = await _write_contract(request, offer.id, start, agreed)
        await _answer(principal, request, RequestStatus.ACCEPTED, text=command.message)
        await parties.record(
            principal,
            "signed",
            contract=contract_id,
            to_status=ContractStatus.ACTIVE.value,
            detail=(
                f"start {start.isoformat()}, notice {agreed.rules.notice_days} days "
                f"({agreed.rules.source})"
            ),
        )
        unit.touch_offer(offer.id)
        if claim is not None:
            await claim.remember(contract_id)
        made = await unit.track(
            "Contract",
            contract_id,
            partial(parties.contract_by_id, principal, contract_id),
            before=pending,
        )
    return made.result
