"""Placement requests: a municipality asks an offer for a place; the provider accepts, which
makes the contract, or declines with a reason; the municipality may withdraw; an unanswered
request expires."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from functools import partial
from typing import Any

from marketplace.contracts import parties
from marketplace.contracts.capacity import check_capacity
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
from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest
from marketplace.core import cpr, idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rules import StatedTerms, rule_book
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import OWN_KINDS, OfferStatus
from marketplace.offers.pricing import lock_price_list
from marketplace.offers.tables import Offer
from marketplace.offers.taxonomy import LegalBasis, legal_bases
from marketplace.organisations import service as organisations

_REQUEST = "placement request"


async def _contract_ids(request_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not request_ids:
        return {}
    rows = (
        await Contract.select(Contract.id, Contract.request)
        .where(Contract.request.is_in(list(request_ids)))
        .run()
    )
    return {row["request"]: row["id"] for row in rows}


async def _views(principal: Principal, rows: list[dict[str, Any]]) -> list[RequestView]:
    contracts = await _contract_ids([row["id"] for row in rows])
    return [parties.request_view(principal, row, contracts.get(row["id"])) for row in rows]


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
    readable = [r for r in rows if parties.can_read(principal, r["buyer"], r["provider_org"])]
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
    return rows.with_items(await _views(principal, rows.items))


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


async def create_request(
    principal: Principal, command: PlacementRequestCreate, idempotency_key: str | None = None
) -> RequestView:
    """A purchaser asks an offer for a place for a citizen of its municipality."""
    principal.require(Role.PURCHASER)
    assert principal.org_code is not None
    buyer = principal.org_code
    day = today()
    citizen = None
    if command.cpr is not None:
        try:
            citizen = cpr.citizen_id(command.cpr.get_secret_value())
            born = cpr.birth_date(command.cpr.get_secret_value())
        except DomainError as error:
            raise DomainError(error.code, error.message, ["cpr"]) from None
    async with write_transaction(principal, "placementRequestCreate") as unit:
        claim = None
        if idempotency_key is not None:
            payload = {**command.fingerprint_payload(), "cpr": citizen.hash if citizen else None}
            claim = await idempotency.claim(
                f"{buyer}:placementRequestCreate", idempotency_key, payload
            )
            if claim.previous is not None:
                found = await get_request(principal, claim.previous)
                assert found is not None
                return found
        offer = await offers.get_offer(principal, command.offer_id)
        if offer is None or offer.status is not OfferStatus.PUBLISHED:
            raise parties.not_found("offer", ["offer_id"])
        payer = command.payer_code or buyer
        await organisations.require_municipality(payer, ["payer_code"])
        if command.desired_start < day:
            raise DomainError(
                ErrorCode.INVALID,
                "The desired start cannot lie in the past.",
                ["desired_start"],
            )
        if citizen is not None:
            age = _age(born, command.desired_start)
            if not offer.min_age <= age <= offer.max_age:
                raise DomainError(
                    ErrorCode.INVALID,
                    f"The citizen will be {age} at the start; the offer takes ages "
                    f"{offer.min_age} to {offer.max_age}.",
                    ["cpr"],
                )
        relations = (await offers.relations_by_offer([offer.id]))[offer.id]
        basis = _legal_basis(relations.legal_bases, command.legal_basis, offer.category)
        version = await price_list_on(offer.id, command.desired_start, ["desired_start"])
        agreed_price(version, command.price_level, command.hours_per_month)
        agreed_add_ons(version, command.add_ons)
        request_id = uuid.uuid4()
        await PlacementRequest.insert(
            PlacementRequest(
                id=request_id,
                offer=offer.id,
                provider_org=offer.provider_org_code,
                buyer=buyer,
                payer=payer,
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
                expires_on=day
                + datetime.timedelta(days=get_settings().placement_request_expiry_days),
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
        if claim is not None:
            await claim.remember(request_id)
        created = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id), new=True
        )
    return created.result


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


async def _pending_for(principal: Principal, request_id: uuid.UUID, role: Role) -> dict[str, Any]:
    """The request row, if the caller is its party in ``role`` and it awaits an answer; held
    until the answer commits, so two answers to one request take turns."""
    principal.require(role)
    row = await lock_row(PlacementRequest, request_id, load_json=True)
    if row is None or not parties.is_party(principal, row["buyer"], row["provider_org"]):
        raise parties.not_found(_REQUEST)
    status = parties.request_status(row["status"], row["expires_on"], today())
    if status != RequestStatus.PENDING.value:
        raise DomainError(ErrorCode.INVALID_STATE, f"The request is {status}, not pending.", ["id"])
    return row


async def _answer(
    principal: Principal,
    row: dict[str, Any],
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
        .where(PlacementRequest.id == row["id"])
        .run()
    )
    await parties.record(
        principal,
        to.value,
        request=row["id"],
        from_status=row["status"],
        to_status=to.value,
        detail=(reason.value if reason else "") + (f": {text}" if text else ""),
    )


async def decline_request(
    principal: Principal, request_id: uuid.UUID, command: PlacementRequestDecline
) -> RequestView:
    async with write_transaction(principal, "placementRequestDecline") as unit:
        row = await _pending_for(principal, request_id, Role.PROVIDER_ADMIN)
        found = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        await _answer(
            principal, row, RequestStatus.DECLINED, reason=command.reason, text=command.text
        )
    return found.result


async def withdraw_request(principal: Principal, request_id: uuid.UUID, reason: str) -> RequestView:
    async with write_transaction(principal, "placementRequestWithdraw") as unit:
        row = await _pending_for(principal, request_id, Role.PURCHASER)
        found = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        await _answer(principal, row, RequestStatus.WITHDRAWN, text=reason.strip())
    return found.result


def _takes_people_in(status: str) -> None:
    if status != OfferStatus.PUBLISHED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The offer is {status}: it takes no one in now.",
            ["id"],
        )


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
        claim = None
        if idempotency_key is not None:
            payload = {"request": str(request_id), **command.model_dump(mode="json")}
            claim = await idempotency.claim(
                f"{principal.org_code}:placementRequestAccept", idempotency_key, payload
            )
            if claim.previous is not None:
                found = await parties.contracts_by_id(principal, [claim.previous])
                return found[claim.previous]
        row = await _pending_for(principal, request_id, Role.PROVIDER_ADMIN)
        pending = await get_request(principal, request_id)
        start = command.start_date or max(row["desired_start"], day)
        if start < day:
            raise DomainError(
                ErrorCode.INVALID, "The start cannot lie in the past.", ["start_date"]
            )
        offer = await offers.get_offer(principal, row["offer"])
        assert offer is not None  # the provider sees its own offers
        # fail fast without the lock; the decision is taken again below, holding the offer
        _takes_people_in(offer.status.value)
        await check_capacity(offer.id, offer.capacity_places, offer.occupied_places, start)
        version = await price_list_on(offer.id, start, ["start_date"])
        hours = row["hours_per_month"]
        price = agreed_price(
            version,
            row["price_level"],
            parties.from_hundredths(hours) if hours is not None else None,
            special=command.special_arrangement_price,
        )
        add_ons = agreed_add_ons(version, [AddOnRequest.model_validate(a) for a in row["add_ons"]])
        facts = offers.rule_facts(
            offer,
            (await offers.legal_bases_by_offer([offer.id]))[offer.id],
            stated=StatedTerms(version.notice_days, version.bill_first_day, version.bill_last_day),
            basis=row["legal_basis"],
        )
        rules = await rule_book().contract_rules(facts, start)
        places = await lock_row(
            Offer, offer.id, Offer.status, Offer.capacity_places, Offer.occupied_places
        )
        assert places is not None  # offers are never deleted
        _takes_people_in(places["status"])
        await check_capacity(offer.id, places["capacity_places"], places["occupied_places"], start)
        contract_id = uuid.uuid4()
        now = utcnow()
        await Contract.insert(
            Contract(
                id=contract_id,
                request=row["id"],
                offer=offer.id,
                provider_org=row["provider_org"],
                buyer=row["buyer"],
                payer=row["payer"],
                citizen_ref=row["citizen_ref"],
                cpr_hash=row["cpr_hash"],
                cpr_masked=row["cpr_masked"],
                legal_basis=row["legal_basis"],
                start_date=start,
                status=ContractStatus.ACTIVE.value,
                notice_days=rules.notice_days,
                bill_first_day=rules.bill_first_day,
                bill_last_day=rules.bill_last_day,
                rules_source=rules.source[:200],
                individual_plan_ref=row["individual_plan_ref"],
                follow_up_on=row["follow_up_on"],
                created_at=now,
                updated_at=now,
            )
        ).run()
        await ContractTerm.insert(
            ContractTerm(
                id=uuid.uuid4(), contract=contract_id, valid_from=start, **price, add_ons=add_ons
            )
        ).run()
        await lock_price_list(version.id)
        await _answer(principal, row, RequestStatus.ACCEPTED, text=command.message)
        await parties.record(
            principal,
            "signed",
            contract=contract_id,
            to_status=ContractStatus.ACTIVE.value,
            detail=f"start {start.isoformat()}, notice {rules.notice_days} days ({rules.source})",
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
