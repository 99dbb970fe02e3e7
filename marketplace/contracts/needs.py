"""One need, several offers: a municipality sends one anonymised need (target groups, age,
legal basis, area, start, hours, urgency, a price ceiling; never a citizen) to offers it
chooses, or to every offer a search finds, with a response deadline. Each provider answers
for its offer with a proposal (the terms of a placement proposal, checked and priced as one:
``proposals.proposed_terms``, ``signing.price_terms``) or declines with a reason. The buyer
compares the answers side by side and picks one, which becomes a normal placement request to
that provider with the citizen's identity given only then; the other answers close as not
chosen.

The request made from a picked answer asks the answer's own terms and refers to it
(``need_answer``). The provider accepts it as asked (``requests.accept_request``) once it has
seen the citizen, which makes the contract as any acceptance does; the term records the
buyer's consent (picking) and the provider's (answering), so a special arrangement the
provider answered with is agreed by both sides.

The moment: a need is ``open`` until its response deadline, then ``deciding`` (the buyer
picks) until ``decide_by`` (the deadline plus the days a request waits), then ``closed`` when
nothing was picked. An answer still waiting at the deadline reads ``no_answer``; a proposal
not picked by ``decide_by`` reads ``not_chosen``. Reads answer what the moment means without
writing; the calendar (``close_due``) records it.

Search lies above contracting: the search a need is sent by is wired in by the composition
root (``use_offer_search``).
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable

from marketplace.contracts import capacity, parties, proposals, requests, signing
from marketplace.contracts.models import (
    MAX_NEED_OFFERS,
    OPEN_NEED,
    AgreedAddOn,
    NeedAnswerStatus,
    NeedAnswerView,
    NeedStatus,
    NeedView,
    OfferComparison,
    PlacementNeedChoose,
    PlacementNeedCreate,
    PlacementProposal,
    PlacementRequestCreate,
    PlacementRequestDecline,
    RequestView,
    SpecialArrangementCost,
    Urgency,
)
from marketplace.contracts.rows import (
    AnswerOfNeed,
    NeedAnswerRow,
    NeedGroupRow,
    NeedRow,
    RequestOfAnswer,
)
from marketplace.contracts.tables import (
    NeedAnswer,
    PlacementNeed,
    PlacementNeedGroup,
    PlacementRequest,
)
from marketplace.core import idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, DomainErrors, ErrorCode, parse
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.money import to_dkk, to_ore
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import columns_of, fields_of, row_or_none, rows_as
from marketplace.core.rules import rule_book
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import UnitOfWork, write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus, OfferView, PriceUnit
from marketplace.offers.taxonomy import LegalBasis
from marketplace.organisations.reference import municipality_records

KM_PER_DEGREE = 111.195
_NEED, _ANSWER = "need", "answer to a need"

# --- the search a need is sent by (the seam search fills) -------------------------------------

# The published offers a search for the need finds, nearest (or most relevant) first, at most
# ``limit`` of them, measured from a point; and how many matched in all.
OfferSearch = Callable[
    [PlacementNeedCreate, tuple[float, float], int], Awaitable[tuple[list[uuid.UUID], int]]
]
_search: OfferSearch | None = None


def use_offer_search(search: OfferSearch) -> None:
    global _search
    _search = search


async def _matching_offers(
    command: PlacementNeedCreate, point: tuple[float, float]
) -> tuple[list[uuid.UUID], int]:
    if _search is None:
        raise RuntimeError("search is not wired in: call schema.composition.compose()")
    return await _search(command, point, MAX_NEED_OFFERS)


# --- what the moment means --------------------------------------------------------------------


def need_status(row: NeedRow, now: datetime.datetime) -> str:
    """A need's status at ``now``: past its deadline it is deciding, past ``decide_by``
    closed, unless it was chosen or cancelled."""
    if row.status in OPEN_NEED:
        if row.decide_by <= now:
            return NeedStatus.CLOSED.value
        if row.respond_by <= now:
            return NeedStatus.DECIDING.value
    return row.status


def answer_status(row: NeedAnswerRow, now: datetime.datetime) -> str:
    """An answer's status at ``now``: one still waiting at the deadline got no answer, a
    proposal not picked by ``decide_by`` was not chosen."""
    if row.status == NeedAnswerStatus.WAITING.value and row.respond_by <= now:
        return NeedAnswerStatus.NO_ANSWER.value
    if row.status == NeedAnswerStatus.PROPOSED.value and row.decide_by <= now:
        return NeedAnswerStatus.NOT_CHOSEN.value
    return row.status


def need_status_is(status: NeedStatus, now: datetime.datetime) -> Combinable:
    """The needs whose status at ``now`` is ``status``."""
    stored = PlacementNeed.status == status.value
    waiting = PlacementNeed.status.is_in(list(OPEN_NEED))
    if status is NeedStatus.OPEN:
        return stored & (PlacementNeed.respond_by > now)
    if status is NeedStatus.DECIDING:
        return waiting & (PlacementNeed.respond_by <= now) & (PlacementNeed.decide_by > now)
    if status is NeedStatus.CLOSED:
        return stored | (waiting & (PlacementNeed.decide_by <= now))
    return stored


def answer_status_is(status: NeedAnswerStatus, now: datetime.datetime) -> Combinable:
    """The answers whose status at ``now`` is ``status``."""
    stored = NeedAnswer.status == status.value
    waiting = NeedAnswer.status == NeedAnswerStatus.WAITING.value
    proposed = NeedAnswer.status == NeedAnswerStatus.PROPOSED.value
    if status is NeedAnswerStatus.WAITING:
        return stored & (NeedAnswer.respond_by > now)
    if status is NeedAnswerStatus.NO_ANSWER:
        return stored | (waiting & (NeedAnswer.respond_by <= now))
    if status is NeedAnswerStatus.PROPOSED:
        return stored & (NeedAnswer.decide_by > now)
    if status is NeedAnswerStatus.NOT_CHOSEN:
        return stored | (proposed & (NeedAnswer.decide_by <= now))
    return stored


# --- reading needs ----------------------------------------------------------------------------


def _is_buyer(principal: Principal, buyer: str) -> bool:
    return principal.is_registry_admin or (
        principal.role is Role.PURCHASER and principal.org_code == buyer
    )


def _need_view(
    principal: Principal, row: NeedRow, groups: list[str], now: datetime.datetime
) -> NeedView:
    """The need; what the buyer asked the search, how many offers it went to and why it was
    cancelled are the buyer's (None for the providers)."""
    hours = row.hours_per_month
    own = _is_buyer(principal, row.buyer)
    return NeedView.model_validate(
        {
            **fields_of(row),
            "status": need_status(row, now),
            "target_groups": groups,
            "hours_per_month": parties.from_hundredths(hours) if hours is not None else None,
            "sent_count": row.sent_count if own else None,
            "matched_count": row.matched_count if own else None,
            "match": row.match if own else None,
            "cancel_reason": row.cancel_reason if own else None,
        }
    )


async def _groups(need_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if need_ids:
        rows = (
            await PlacementNeedGroup.select(
                PlacementNeedGroup.need, PlacementNeedGroup.target_group
            )
            .where(PlacementNeedGroup.need.is_in(list(need_ids)))
            .order_by(PlacementNeedGroup._meta.primary_key)
            .run()
        )
        for row in rows_as(NeedGroupRow, rows):
            found[row.need].append(row.target_group)
    return found


async def _need_views(principal: Principal, rows: Sequence[NeedRow]) -> list[NeedView]:
    groups = await _groups([row.id for row in rows])
    now = utcnow()
    return [_need_view(principal, row, groups[row.id], now) for row in rows]


async def _readable(principal: Principal, rows: list[NeedRow]) -> list[NeedRow]:
    """The needs the caller may read: its municipality's, or (a provider) those sent to its
    offers; the registry administrator reads every need."""
    if principal.is_registry_admin:
        return rows
    if principal.role is Role.PURCHASER:
        return [row for row in rows if row.buyer == principal.org_code]
    if principal.role is not Role.PROVIDER_ADMIN or not rows:
        return []
    sent = (
        await NeedAnswer.select(NeedAnswer.need)
        .where(
            NeedAnswer.need.is_in([row.id for row in rows])
            & (NeedAnswer.provider_org == principal.org_code)
        )
        .output(as_list=True)
        .run()
    )
    return [row for row in rows if row.id in set(sent)]


async def needs_by_id(principal: Principal, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, NeedView]:
    """The needs the caller may read, by ID (three statements for any number)."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = (
        await PlacementNeed.select()
        .where(PlacementNeed.id.is_in(list(ids)))
        .output(load_json=True)
        .run()
    )
    readable = await _readable(principal, rows_as(NeedRow, rows))
    return {view.id: view for view in await _need_views(principal, readable)}


async def get_need(principal: Principal, need_id: uuid.UUID) -> NeedView | None:
    return (await needs_by_id(principal, [need_id])).get(need_id)


def _visible_needs(principal: Principal) -> Combinable | None:
    principal.require(*parties.READERS)
    if principal.is_registry_admin:
        return None
    if principal.role is Role.PURCHASER:
        return PlacementNeed.buyer == principal.org_code
    sent = NeedAnswer.select(NeedAnswer.need).where(NeedAnswer.provider_org == principal.org_code)
    return PlacementNeed.id.is_in(sent)


async def list_needs(
    principal: Principal, page: PageRequest, *, status: NeedStatus | None = None
) -> Page[NeedView]:
    """The caller's needs (a purchaser's own, or those sent to a provider's offers), oldest
    first."""
    conditions = [_visible_needs(principal)]
    if status is not None:
        conditions.append(need_status_is(status, utcnow()))
    rows = await paginate(
        PlacementNeed,
        where=all_of(conditions),
        order_by=[PlacementNeed.created_at, PlacementNeed.id],
        page=page,
        load_json=True,
    )
    return rows.with_items(await _need_views(principal, rows_as(NeedRow, rows.items)))


# --- reading answers --------------------------------------------------------------------------


def _answer_view(row: NeedAnswerRow, now: datetime.datetime) -> NeedAnswerView:
    hours, cost = row.hours_per_month, row.special_arrangement
    return NeedAnswerView.model_validate(
        {
            **fields_of(row),
            "status": answer_status(row, now),
            "need_id": row.need,
            "offer_id": row.offer,
            "distance_km": round(row.distance_m / 1000, 1) if row.distance_m is not None else None,
            "hours_per_month": parties.from_hundredths(hours) if hours is not None else None,
            "add_ons": [AgreedAddOn.model_validate(a) for a in row.add_ons],
            "special_arrangement": SpecialArrangementCost.model_validate(cost) if cost else None,
        }
    )


async def _answer_rows(condition: Combinable) -> list[NeedAnswerRow]:
    rows = (
        await NeedAnswer.select()
        .where(condition)
        .order_by(NeedAnswer.sent_at, NeedAnswer.id)
        .output(load_json=True)
        .run()
    )
    return rows_as(NeedAnswerRow, rows)


async def answers_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, NeedAnswerView]:
    """The answers the caller may read (the need's buyer, the answering provider), by ID."""
    if not ids or not principal.is_authenticated:
        return {}
    now = utcnow()
    return {
        row.id: _answer_view(row, now)
        for row in await _answer_rows(NeedAnswer.id.is_in(list(ids)))
        if parties.can_read(principal, row.buyer, row.provider_org)
    }


async def get_answer(principal: Principal, answer_id: uuid.UUID) -> NeedAnswerView | None:
    return (await answers_by_id(principal, [answer_id])).get(answer_id)


_SIDE_BY_SIDE = {
    status: rank
    for rank, status in enumerate(
        [
            NeedAnswerStatus.CHOSEN,
            NeedAnswerStatus.PROPOSED,
            NeedAnswerStatus.NOT_CHOSEN,
            NeedAnswerStatus.WAITING,
            NeedAnswerStatus.DECLINED,
            NeedAnswerStatus.NO_ANSWER,
            NeedAnswerStatus.CANCELLED,
        ]
    )
}


def side_by_side(answer: NeedAnswerView) -> tuple[Any, ...]:
    """The order a buyer compares answers in: proposals first, per-day prices cheapest
    first, then nearest; then the answers still waiting, then the declines."""
    return (
        _SIDE_BY_SIDE[answer.status],
        answer.price_unit is not PriceUnit.PER_DAY,
        answer.price_ore if answer.price_ore is not None else math.inf,
        answer.distance_km if answer.distance_km is not None else math.inf,
        str(answer.id),
    )


async def answers_by_need(
    principal: Principal, need_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[NeedAnswerView]]:
    """Each need's answers the caller may read, side by side (one statement for any number
    of needs): all of them for the buyer, a provider's own for the provider."""
    found: dict[uuid.UUID, list[NeedAnswerView]] = defaultdict(list)
    if not need_ids or principal.role not in parties.READERS:
        return found
    now = utcnow()
    condition = all_of([NeedAnswer.need.is_in(list(need_ids)), _visible_answers(principal)])
    assert condition is not None
    for row in await _answer_rows(condition):
        found[row.need].append(_answer_view(row, now))
    for answers in found.values():
        answers.sort(key=side_by_side)
    return found


def _visible_answers(principal: Principal) -> Combinable | None:
    return parties.visible(NeedAnswer, principal)  # the buyer's, or the provider's


async def list_answers(
    principal: Principal,
    page: PageRequest,
    *,
    status: NeedAnswerStatus | None = None,
    need_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
) -> Page[NeedAnswerView]:
    """The answers the caller gives (a provider: one per offer of its a need was sent to) or
    receives (a purchaser), the earliest deadline first."""
    now = utcnow()
    conditions = [
        _visible_answers(principal),
        answer_status_is(status, now) if status is not None else None,
        NeedAnswer.need == need_id if need_id is not None else None,
        NeedAnswer.offer == offer_id if offer_id is not None else None,
    ]
    rows = await paginate(
        NeedAnswer,
        where=all_of(conditions),
        order_by=[NeedAnswer.respond_by, NeedAnswer.id],
        page=page,
        load_json=True,
    )
    return rows.with_items([_answer_view(row, now) for row in rows_as(NeedAnswerRow, rows.items)])


async def requests_by_answer(answer_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """The request each picked answer became (the caller has seen the answers)."""
    if not answer_ids:
        return {}
    rows = (
        await PlacementRequest.select(PlacementRequest.id, PlacementRequest.need_answer)
        .where(PlacementRequest.need_answer.is_in(list(answer_ids)))
        .run()
    )
    return {row.need_answer: row.id for row in rows_as(RequestOfAnswer, rows)}


async def offer_comparisons(offer_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, OfferComparison]:
    """What a buyer weighs the answering offers by besides their terms, today: the first day
    a place is free, the special conditions they run on, and the agreement that covers each
    (three statements for any number of offers)."""
    day = today()
    found = await offers.offers_by_id(SYSTEM, offer_ids)
    stays = await capacity.stays_by_offer(list(found), day)
    notes = await rule_book().agreements_for(
        [offers.rule_facts(offer, []) for offer in found.values()], day
    )
    comparisons = {}
    for offer in found.values():
        first = capacity.free_from(
            stays[offer.id], offer.capacity_places, offer.occupied_places, day
        )
        known = [d for d in (first, offer.expected_free_from) if d is not None]
        note = notes[offer.id]
        comparisons[offer.id] = OfferComparison(
            free_from=min(known, default=None),
            special_conditions=offer.special_conditions,
            agreement_name=note.name,
            agreement_source=note.source,
        )
    return comparisons


# --- sending a need ---------------------------------------------------------------------------


def _point(command: PlacementNeedCreate, buyer: str) -> tuple[float, float]:
    """Where distances are measured from: the area's point, or its municipality's seat, or
    else the buying municipality's seat."""
    area = command.area
    if area is not None and area.latitude is not None and area.longitude is not None:
        return area.latitude, area.longitude
    code = area.municipality_code if area is not None and area.municipality_code else buyer
    seat = next(m for m in municipality_records() if m.code == code)
    return seat.latitude, seat.longitude


def _distance_m(point: tuple[float, float], offer: OfferView) -> int | None:
    """Equirectangular, as the search measures (well under 1% off across Denmark)."""
    if offer.latitude is None or offer.longitude is None:
        return None
    lat, lon = point
    dx = (offer.longitude - lon) * math.cos(math.radians(lat))
    return round(math.hypot(dx, offer.latitude - lat) * KM_PER_DEGREE * 1000)


def _deadlines(
    command: PlacementNeedCreate, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """When the answers are due (given, or the most the need allows: the acute hours for an
    acute need, the days a request waits for a planned one), and by when the buyer picks."""
    settings = get_settings()
    if command.urgency is Urgency.ACUTE:
        longest = datetime.timedelta(hours=settings.acute_response_hours)
        most = f"An acute need is answered within {settings.acute_response_hours} hours."
    else:
        longest = datetime.timedelta(days=settings.placement_request_expiry_days)
        most = f"A need is answered within {settings.placement_request_expiry_days} days."
    respond_by = command.respond_by or now + longest
    if respond_by <= now:
        raise DomainError(
            ErrorCode.INVALID, "The response deadline must lie in the future.", ["respond_by"]
        )
    if respond_by > now + longest:
        raise DomainError(ErrorCode.INVALID, most, ["respond_by"])
    decide = datetime.timedelta(days=settings.placement_request_expiry_days)
    return respond_by, respond_by + decide


@dataclass(frozen=True, slots=True)
class _Moments:
    """When a need is sent, from when it is wanted, when its answers are due and by when
    the buyer picks one."""

    now: datetime.datetime
    desired_start: datetime.date
    respond_by: datetime.datetime
    decide_by: datetime.datetime


def _moments(command: PlacementNeedCreate) -> _Moments:
    now = utcnow()
    start = command.desired_start or now.date()
    if start < now.date():
        raise DomainError(
            ErrorCode.INVALID, "The desired start cannot lie in the past.", ["desired_start"]
        )
    respond_by, decide_by = _deadlines(command, now)
    return _Moments(now, start, respond_by, decide_by)


def _basis(
    offer: OfferView, bases: list[LegalBasis], command: PlacementNeedCreate, field: list[str]
) -> str:
    """The paragraph a placement in the offer would be made under; an acute need goes only to
    offers that take acute placements."""
    if command.urgency is Urgency.ACUTE and not offer.takes_acute:
        raise DomainError(ErrorCode.INVALID, f"{offer.name} takes no acute placements.", field)
    try:
        return requests.legal_basis_for(bases, command.legal_basis, offer.category)
    except DomainError as error:
        raise DomainError(error.code, f"{offer.name}: {error.message}", field) from None


async def _offers_to_send(
    command: PlacementNeedCreate, offer_ids: Sequence[uuid.UUID]
) -> list[tuple[OfferView, str]]:
    """The published offers the need goes to, each with its paragraph. A chosen offer that is
    not published is "not found"; one a search found that has left the catalogue since is
    left out."""
    chosen = not command.match
    found = await offers.offers_by_id(SYSTEM, offer_ids)
    bases = await offers.legal_bases_by_offer(list(found)) if found else {}
    sent = []
    for i, offer_id in enumerate(offer_ids):
        offer = found.get(offer_id)
        field = ["offer_ids", str(i)] if chosen else ["match"]
        if offer is None or offer.status is not OfferStatus.PUBLISHED:
            if chosen:
                raise parties.not_found("offer", field)
            continue
        sent.append((offer, _basis(offer, bases[offer_id], command, field)))
    if not sent:
        raise DomainError(
            ErrorCode.NO_MATCHING_OFFER,
            "No published offer matches the need and the search: widen the area or the search.",
            ["match"],
        )
    return sent


async def _write_need(
    principal: Principal,
    command: PlacementNeedCreate,
    sent: Sequence[tuple[OfferView, str]],
    *,
    matched: int,
    point: tuple[float, float],
    moments: _Moments,
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Store the need, its target groups and one waiting answer per offer it goes to."""
    assert principal.org_code is not None
    need_id, now = uuid.uuid4(), moments.now
    respond_by, decide_by = moments.respond_by, moments.decide_by
    hours = command.hours_per_month
    ceiling = command.max_price_per_day
    await PlacementNeed.insert(
        PlacementNeed(
            id=need_id,
            buyer=principal.org_code,
            status=NeedStatus.OPEN.value,
            age=command.age,
            legal_basis=command.legal_basis.value if command.legal_basis else None,
            area=command.area.model_dump(mode="json") if command.area else None,
            latitude=point[0],
            longitude=point[1],
            desired_start=moments.desired_start,
            hours_per_month=parties.hundredths(hours) if hours is not None else None,
            urgency=command.urgency.value,
            max_price_ore=to_ore(ceiling) if ceiling is not None else None,
            message=command.message,
            match=command.match.model_dump(mode="json") if command.match else None,
            matched_count=matched,
            sent_count=len(sent),
            respond_by=respond_by,
            decide_by=decide_by,
            created_at=now,
            created_by=principal.subject or "",
        )
    ).run()
    await PlacementNeedGroup.insert(
        *(PlacementNeedGroup(need=need_id, target_group=code) for code in command.target_groups)
    ).run()
    answers = [
        NeedAnswer(
            id=uuid.uuid4(),
            need=need_id,
            offer=offer.id,
            provider_org=offer.provider_org_code,
            buyer=principal.org_code,
            legal_basis=basis,
            distance_m=_distance_m(point, offer),
            respond_by=respond_by,
            decide_by=decide_by,
            status=NeedAnswerStatus.WAITING.value,
            sent_at=now,
        )
        for offer, basis in sent
    ]
    await NeedAnswer.insert(*answers).run()
    return need_id, [answer.id for answer in answers]


async def _claim(
    principal: Principal, operation: str, key: str | None, payload: Mapping[str, Any]
) -> idempotency.Claim | None:
    if key is None:
        return None
    return await idempotency.claim(f"{principal.org_code}:{operation}", key, payload)


async def create_need(
    principal: Principal, command: PlacementNeedCreate, idempotency_key: str | None = None
) -> NeedView:
    """A purchaser sends an anonymised need to chosen published offers, or to the offers a
    search for it finds (at most ``MAX_NEED_OFFERS``, nearest or most relevant
    first); each gets a waiting answer. A search that finds nothing is NO_MATCHING_OFFER."""
    principal.require(Role.PURCHASER)
    assert principal.org_code is not None
    point = _point(command, principal.org_code)
    # The search reads outside the change's transaction (it reads in parallel).
    matched = await _matching_offers(command, point) if command.match else None
    async with write_transaction(principal, "placementNeedCreate") as unit:
        claim = await _claim(
            principal, "placementNeedCreate", idempotency_key, command.model_dump(mode="json")
        )
        if claim is not None and claim.previous is not None:
            found = await get_need(principal, claim.previous)
            assert found is not None
            return found
        moments = _moments(command)
        offer_ids, total = matched or (command.offer_ids, len(command.offer_ids))
        sent = await _offers_to_send(command, offer_ids)
        need_id, answer_ids = await _write_need(
            principal, command, sent, matched=total, point=point, moments=moments
        )
        if claim is not None:
            await claim.remember(need_id)
        made = await unit.track(
            "PlacementNeed", need_id, partial(get_need, principal, need_id), new=True
        )
        for answer_id in answer_ids:
            await unit.track(
                "NeedAnswer", answer_id, partial(get_answer, SYSTEM, answer_id), new=True
            )
    return made.result


# --- answering --------------------------------------------------------------------------------


def _closed_at(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def _answer_of(answer_id: uuid.UUID) -> AnswerOfNeed | None:
    found = (
        await NeedAnswer.select(*columns_of(NeedAnswer, AnswerOfNeed))
        .where(NeedAnswer.id == answer_id)
        .first()
        .run()
    )
    return row_or_none(AnswerOfNeed, found)


async def _hold(need_id: uuid.UUID, answer_id: uuid.UUID) -> tuple[NeedAnswerRow, NeedRow]:
    """The answer and its need, held until the change commits: the need's row first, so the
    answers, the buyer's choice and a cancel take turns."""
    need = row_or_none(NeedRow, await lock_row(PlacementNeed, need_id, load_json=True))
    answer = row_or_none(NeedAnswerRow, await lock_row(NeedAnswer, answer_id, load_json=True))
    assert need is not None and answer is not None  # answers go only with their need
    return answer, need


async def _held_answer(principal: Principal, answer_id: uuid.UUID) -> tuple[NeedAnswerRow, NeedRow]:
    """The caller's provider's answer, while it waits for the provider, with its need."""
    principal.require(Role.PROVIDER_ADMIN)
    found = await _answer_of(answer_id)
    if found is None or found.provider_org != principal.org_code:
        raise parties.not_found(_ANSWER)
    answer, need = await _hold(found.need, answer_id)
    now = utcnow()
    state = need_status(need, now)
    if state not in OPEN_NEED:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"The need is {state}: it takes no answers.", ["id"]
        )
    status = answer_status(answer, now)
    if status == NeedAnswerStatus.NO_ANSWER.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The answers to this need closed at {_closed_at(answer.respond_by)}.",
            ["id"],
        )
    if status != NeedAnswerStatus.WAITING.value:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"The need was already answered: {status}.", ["id"]
        )
    return answer, need


def _asked(need: NeedRow, day: datetime.date) -> signing.Terms:
    """What the need asks, as terms: its start (today, if that has passed), the base price,
    its hours."""
    hours = need.hours_per_month
    return signing.Terms(
        start=max(need.desired_start, day),
        price_level=None,
        hours_per_month=parties.from_hundredths(hours) if hours is not None else None,
        add_ons=[],
    )


def _within_ceiling(need: NeedRow, agreed: signing.Agreed, terms: signing.Terms) -> None:
    """A price per day keeps the need's ceiling."""
    price = agreed.price
    if need.max_price_ore is None or price["unit"] != PriceUnit.PER_DAY.value:
        return
    if price["price_ore"] > need.max_price_ore:
        raise DomainError(
            ErrorCode.INVALID,
            f"{to_dkk(price['price_ore'])} DKK a day is above the need's ceiling of "
            f"{to_dkk(need.max_price_ore)} DKK.",
            ["special_arrangement" if terms.special else "price_level"],
        )


async def _write_proposal(
    principal: Principal,
    answer_id: uuid.UUID,
    terms: signing.Terms,
    agreed: signing.Agreed,
    message: str,
) -> None:
    hours = terms.hours_per_month
    await (
        NeedAnswer.update(
            {
                NeedAnswer.status: NeedAnswerStatus.PROPOSED.value,
                NeedAnswer.start_date: terms.start,
                NeedAnswer.price_level: terms.price_level,
                NeedAnswer.hours_per_month: parties.hundredths(hours) if hours else None,
                NeedAnswer.add_ons: agreed.add_ons,
                NeedAnswer.special_arrangement: (
                    terms.special.model_dump(mode="json") if terms.special else None
                ),
                NeedAnswer.review_on: terms.review_on,
                NeedAnswer.price_unit: agreed.price["unit"],
                NeedAnswer.price_ore: agreed.price["price_ore"],
                NeedAnswer.message: message,
                NeedAnswer.answered_by: principal.subject or "",
                NeedAnswer.answered_at: utcnow(),
            }
        )
        .where(NeedAnswer.id == answer_id)
        .run()
    )


async def propose(
    principal: Principal,
    answer_id: uuid.UUID,
    command: PlacementProposal,
    idempotency_key: str | None = None,
) -> NeedAnswerView:
    """The provider answers the need for its offer with terms, as a proposal on a request
    would be made (what it leaves out is as the need asks: its start, the base price, its
    hours): a place free from the start, the price list's levels and add-ons, a special
    arrangement taken by the price list with its overhead within the agreement's cap, and a
    price per day within the need's ceiling."""
    principal.require(Role.PROVIDER_ADMIN)
    if command.hours_per_week is not None:  # a need and its answers count hours a month
        raise DomainError(
            ErrorCode.INVALID, "An answer to a need gives hours a month.", ["hours_per_week"]
        )
    async with write_transaction(principal, "needAnswerPropose") as unit:
        payload = {"answer": str(answer_id), **command.model_dump(mode="json")}
        claim = await _claim(principal, "needAnswerPropose", idempotency_key, payload)
        if claim is not None and claim.previous is not None:
            found = await get_answer(principal, claim.previous)
            assert found is not None
            return found
        answer, need = await _held_answer(principal, answer_id)
        tracked = await unit.track("NeedAnswer", answer_id, partial(get_answer, SYSTEM, answer_id))
        day = today()
        terms = proposals.proposed_terms(_asked(need, day), command, day)
        offer = await signing.offer_with_room(answer.offer, terms.start)
        agreed = await signing.price_terms(offer, answer.legal_basis, terms)
        _within_ceiling(need, agreed, terms)
        await _write_proposal(principal, answer_id, terms, agreed, command.message)
        if claim is not None:
            await claim.remember(answer_id)
    return tracked.result


async def decline(
    principal: Principal, answer_id: uuid.UUID, command: PlacementRequestDecline
) -> NeedAnswerView:
    """The provider declines the need for its offer, with a reason (no capacity and no fit
    count as demand signals in the gap analysis)."""
    async with write_transaction(principal, "needAnswerDecline") as unit:
        await _held_answer(principal, answer_id)
        tracked = await unit.track("NeedAnswer", answer_id, partial(get_answer, SYSTEM, answer_id))
        await (
            NeedAnswer.update(
                {
                    NeedAnswer.status: NeedAnswerStatus.DECLINED.value,
                    NeedAnswer.decline_reason: command.reason.value,
                    NeedAnswer.decline_text: command.text,
                    NeedAnswer.answered_by: principal.subject or "",
                    NeedAnswer.answered_at: utcnow(),
                }
            )
            .where(NeedAnswer.id == answer_id)
            .run()
        )
    return tracked.result


# --- the buyer's choice, or a cancel ------------------------------------------------------------

# How a need's open answers close, by where the need goes: the one picked is chosen, the others
# are not; a cancel cancels them; at the deadline the waiting ones got no answer.
_CLOSING: dict[NeedStatus, dict[str, NeedAnswerStatus]] = {
    NeedStatus.CHOSEN: {
        NeedAnswerStatus.WAITING.value: NeedAnswerStatus.NOT_CHOSEN,
        NeedAnswerStatus.PROPOSED.value: NeedAnswerStatus.NOT_CHOSEN,
    },
    NeedStatus.CANCELLED: {
        NeedAnswerStatus.WAITING.value: NeedAnswerStatus.CANCELLED,
        NeedAnswerStatus.PROPOSED.value: NeedAnswerStatus.CANCELLED,
    },
    NeedStatus.DECIDING: {NeedAnswerStatus.WAITING.value: NeedAnswerStatus.NO_ANSWER},
    NeedStatus.CLOSED: {
        NeedAnswerStatus.WAITING.value: NeedAnswerStatus.NO_ANSWER,
        NeedAnswerStatus.PROPOSED.value: NeedAnswerStatus.NOT_CHOSEN,
    },
}


async def _close(
    unit: UnitOfWork,
    need: NeedRow,
    to: NeedStatus,
    *,
    chosen: uuid.UUID | None = None,
    reason: str = "",
) -> None:
    """Move the need to ``to`` and its open answers with it (each one audited): the picked
    one chosen; past the deadline, a waiting one got no answer whatever happens next."""
    now = utcnow()
    moves = dict(_CLOSING[to])
    if need.respond_by <= now:
        moves[NeedAnswerStatus.WAITING.value] = NeedAnswerStatus.NO_ANSWER
    rows = await _answer_rows((NeedAnswer.need == need.id) & NeedAnswer.status.is_in(list(moves)))
    for row in rows:
        await unit.track("NeedAnswer", row.id, partial(get_answer, SYSTEM, row.id))
        moved = NeedAnswerStatus.CHOSEN if row.id == chosen else moves[row.status]
        await (
            NeedAnswer.update({NeedAnswer.status: moved.value}).where(NeedAnswer.id == row.id).run()
        )
    closing = to is not NeedStatus.DECIDING
    await (
        PlacementNeed.update(
            {
                PlacementNeed.status: to.value,
                PlacementNeed.cancel_reason: reason,
                PlacementNeed.closed_at: now if closing else None,
            }
        )
        .where(PlacementNeed.id == need.id)
        .run()
    )


def _choosable(answer: NeedAnswerRow, need: NeedRow) -> None:
    """Only a proposal of a need still open to a choice is picked."""
    now = utcnow()
    state = need_status(need, now)
    if state not in OPEN_NEED:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"The need is {state}: no answer can be chosen.", ["answer_id"]
        )
    status = answer_status(answer, now)
    if status != NeedAnswerStatus.PROPOSED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The answer is {status}: only a proposal can be chosen.",
            ["answer_id"],
        )


# The request's fields that come from the answer: a failure there is the answer's.
_FROM_ANSWER = {
    "offer_id",
    "legal_basis",
    "desired_start",
    "price_level",
    "hours_per_month",
    "add_ons",
    "urgency",
}


def _as_choice(error: DomainError) -> DomainError:
    """A failure of the request made from an answer, named in the choice's fields."""
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    renamed = [
        DomainError(
            e.code,
            e.message,
            ["answer_id"] if e.field and e.field[0] in _FROM_ANSWER else e.field,
        )
        for e in errors
    ]
    return DomainErrors(renamed) if len(renamed) > 1 else renamed[0]


def _request_command(
    answer: NeedAnswerRow, need: NeedRow, command: PlacementNeedChoose
) -> PlacementRequestCreate:
    """The request the picked answer becomes: the answer's terms, the need's urgency, and the
    citizen the buyer names now."""
    assert answer.start_date is not None  # a proposal has its start
    hours = answer.hours_per_month
    data = {
        "offer_id": answer.offer,
        "citizen_ref": command.citizen_ref,
        "cpr": command.cpr,
        "legal_basis": answer.legal_basis,
        "desired_start": max(answer.start_date, today()),
        "price_level": answer.price_level,
        "hours_per_month": parties.from_hundredths(hours) if hours is not None else None,
        "add_ons": [{"name": a["name"], "quantity": a["quantity"]} for a in answer.add_ons],
        "urgency": need.urgency,
        "message": command.message or need.message,
        "individual_plan_ref": command.individual_plan_ref,
        "follow_up_on": command.follow_up_on,
    }
    return parse(PlacementRequestCreate, data)


async def _pick(
    principal: Principal,
    unit: UnitOfWork,
    answer_id: uuid.UUID,
    command: PlacementNeedChoose,
    citizen: Any,
) -> uuid.UUID:
    found = await _answer_of(answer_id)
    if found is None or found.buyer != principal.org_code:
        raise parties.not_found(_ANSWER, ["answer_id"])
    answer, need = await _hold(found.need, answer_id)
    _choosable(answer, need)
    await unit.track("PlacementNeed", need.id, partial(get_need, SYSTEM, need.id))
    try:
        request_id = await requests.make_request(
            principal, _request_command(answer, need, command), citizen, need_answer=answer_id
        )
    except DomainError as error:
        raise _as_choice(error) from None
    await _close(unit, need, NeedStatus.CHOSEN, chosen=answer_id)
    return request_id


async def choose(
    principal: Principal,
    answer_id: uuid.UUID,
    command: PlacementNeedChoose,
    idempotency_key: str | None = None,
) -> RequestView:
    """The buyer picks a proposal: it becomes a pending placement request to that offer on
    the answer's terms, for the citizen named now (checked as any request: the CPR number's
    age fits the offer); the other answers close as not chosen. The provider then accepts
    the request as asked, which makes the contract."""
    principal.require(Role.PURCHASER)
    citizen = requests.citizen_of(command.cpr)
    async with write_transaction(principal, "placementNeedChoose") as unit:
        payload = {
            "answer": str(answer_id),
            **command.fingerprint_payload(),
            "cpr": citizen.hash if citizen else None,
        }
        claim = await _claim(principal, "placementNeedChoose", idempotency_key, payload)
        if claim is not None and claim.previous is not None:
            found = await requests.get_request(principal, claim.previous)
            assert found is not None
            return found
        request_id = await _pick(principal, unit, answer_id, command, citizen)
        if claim is not None:
            await claim.remember(request_id)
        made = await unit.track(
            "PlacementRequest",
            request_id,
            partial(requests.get_request, principal, request_id),
            new=True,
        )
    return made.result


async def cancel(principal: Principal, need_id: uuid.UUID, reason: str) -> NeedView:
    """The buyer cancels a need no answer was picked from, with a reason; the open answers
    close as cancelled."""
    principal.require(Role.PURCHASER)
    async with write_transaction(principal, "placementNeedCancel") as unit:
        need = row_or_none(NeedRow, await lock_row(PlacementNeed, need_id, load_json=True))
        if need is None or need.buyer != principal.org_code:
            raise parties.not_found(_NEED)
        state = need_status(need, utcnow())
        if state not in OPEN_NEED:
            raise DomainError(ErrorCode.INVALID_STATE, f"The need is {state}.", ["id"])
        if len(reason.strip()) < 3:
            raise DomainError(ErrorCode.REQUIRED, "Say why the need is cancelled.", ["reason"])
        tracked = await unit.track("PlacementNeed", need_id, partial(get_need, principal, need_id))
        await _close(unit, need, NeedStatus.CANCELLED, reason=reason.strip())
    return tracked.result


# --- the calendar -------------------------------------------------------------------------------


async def _settle(need_id: uuid.UUID, to: NeedStatus, now: datetime.datetime) -> bool:
    """Record one need's deadline (answers closed: deciding) or its end (closed), as the
    service itself; a need another change moved meanwhile is left alone."""
    operation = "placementNeedDeadline" if to is NeedStatus.DECIDING else "placementNeedClose"
    async with write_transaction(SYSTEM, operation) as unit:
        need = row_or_none(NeedRow, await lock_row(PlacementNeed, need_id, load_json=True))
        if need is None or need.status not in OPEN_NEED or need.status == to.value:
            return False
        if need_status(need, now) != to.value:
            return False
        await unit.track("PlacementNeed", need_id, partial(get_need, SYSTEM, need_id))
        await _close(unit, need, to)
    return True


async def close_due(day: datetime.date) -> int:
    """The calendar's work: record needs whose answers are closed (the deadline passed) and
    needs nothing was picked from in time (closed), with their open answers; return how many
    needs moved."""
    now = parties.moment_of(day)
    moved = 0
    for to in (NeedStatus.DECIDING, NeedStatus.CLOSED):
        due = (
            await PlacementNeed.select(PlacementNeed.id)
            .where(need_status_is(to, now) & PlacementNeed.status.is_in(list(OPEN_NEED)))
            .where(PlacementNeed.status != to.value)
            .output(as_list=True)
            .run()
        )
        for need_id in due:
            moved += await _settle(need_id, to, now)
    return moved
