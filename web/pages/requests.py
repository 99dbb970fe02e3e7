"""Requests for places: a purchaser asks an offer for a place and follows the request; the
provider's inbox accepts it, answers with other terms (a proposal) or declines it; the
purchaser accepts or rejects a proposal, or withdraws the request.

Each form posts to its own address and, done, redirects to the request's page (or the
contract it made); a refusal shows the page again with the reasons by the fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.contracts import frames, parties, proposals, requests
from marketplace.contracts.models import (
    DeclineReason,
    PlacementProposal,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
    RequestStatus,
    Urgency,
)
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferView
from marketplace.offers.taxonomy import legal_bases
from web import labels
from web.forms import FormInvalid, command, error_context, form_errors, values
from web.render import page
from web.security import principal_of, requires

PER_PAGE = 25
PURCHASER = requires(Role.PURCHASER)
PROVIDER = requires(Role.PROVIDER_ADMIN)
PARTY = requires(Role.PURCHASER, Role.PROVIDER_ADMIN)


async def _form(request: Request[Any, Any, Any]) -> Any:
    return await request.form()


async def _published(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> OfferView:
    offer = await offers.get_offer(principal_of(request), offer_id)
    if offer is None:
        raise NotFoundException()
    return offer


async def _request_form(
    request: Request[Any, Any, Any],
    offer: OfferView,
    *,
    shown: dict[str, Any] | None = None,
    failed: FormInvalid | None = None,
) -> Template:
    day = today()
    relations = (await offers.relations_by_offer([offer.id])).get(offer.id)
    versions = (await pricing.price_lists_by_offer([offer.id], day.year))[offer.id]
    prices = pricing.latest(versions, day.year)
    return page(
        request,
        "requests/new.html",
        status_code=400 if failed else 200,
        offer=offer,
        prices=prices,
        bases=[
            (
                b.value,
                f"{legal_bases()[b].law} {legal_bases()[b].paragraph} – {legal_bases()[b].title_da}",
            )
            for b in (relations.legal_bases if relations else [])
        ],
        urgencies=labels.options(Urgency),
        values=shown or {"desired_start": day.isoformat(), "idempotency": uuid.uuid4().hex},
        **error_context(failed),
    )


@get("/tilbud/{offer_id:uuid}/anmod", name="request_new", guards=[PURCHASER])
async def request_new(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Template:
    return await _request_form(request, await _published(request, offer_id))


@post("/tilbud/{offer_id:uuid}/anmod", name="request_create", guards=[PURCHASER])
async def request_create(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Any:
    offer = await _published(request, offer_id)
    form = await _form(request)
    data = values(form, lists=["add_on_names"])
    add_ons = [{"name": name} for name in data.pop("add_on_names", [])]
    key = str(form.get("idempotency", ""))[:200] or None
    data.pop("idempotency", None)
    try:
        made = await requests.create_request(
            principal_of(request),
            command(PlacementRequestCreate, {**data, "offer_id": offer.id, "add_ons": add_ons}),
            idempotency_key=key,
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        if "cpr" in data:  # a CPR number is never sent back to the browser
            failed.fields.setdefault("cpr", "Skriv CPR-nummeret igen.")
        shown = {k: v for k, v in data.items() if k != "cpr"}
        shown["add_on_names"] = [a["name"] for a in add_ons]
        shown["idempotency"] = key or uuid.uuid4().hex
        return await _request_form(request, offer, shown=shown, failed=failed)
    return Redirect(f"/anmodninger/{made.id}?sendt=1", status_code=303)


@get("/anmodninger", name="requests", guards=[PARTY])
async def request_list(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    status = request.query_params.get("status") or None
    chosen = RequestStatus(status) if status in {s.value for s in RequestStatus} else None
    after = request.query_params.get("efter") or None
    found = await requests.list_requests(principal, PageRequest(PER_PAGE, after), status=chosen)
    names = await offers.offers_by_id(principal, list({r.offer_id for r in found.items}))
    return page(
        request,
        "requests/list.html",
        found=found,
        offers=names,
        status=chosen,
        statuses=[
            s
            for s in RequestStatus
            if principal.role is Role.PURCHASER or s.value not in ("for_approval", "refused")
        ],
        next_cursor=found.next_after,
    )


async def _detail(
    request: Request[Any, Any, Any],
    request_id: uuid.UUID,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    found = await requests.get_request(principal, request_id)
    if found is None:
        raise NotFoundException()
    offer = (await offers.offers_by_id(principal, [found.offer_id])).get(found.offer_id)
    proposed = (await proposals.proposals_by_request([found.id]))[found.id]
    history = (await parties.history([found.id]))[found.id]
    day = today()
    versions = (await pricing.price_lists_by_offer([found.offer_id], day.year))[found.offer_id]
    return page(
        request,
        "requests/detail.html",
        status_code=400 if failed else 200,
        item=found,
        offer=offer,
        proposals=proposed,
        open_proposal=next((p for p in proposed if p.status.value == "open"), None),
        history=history,
        prices=pricing.latest(versions, day.year),
        decline_reasons=labels.options(DeclineReason),
        is_buyer=principal.role is Role.PURCHASER,
        is_provider=principal.role is Role.PROVIDER_ADMIN,
        may_decide=found.status is RequestStatus.AWAITING_APPROVAL
        and principal.role is Role.PURCHASER
        and await frames.is_approver(found.buyer, principal.subject or ""),
        sent=request.query_params.get("sendt") == "1",
        values=shown or {},
        **error_context(failed),
        day=day,
    )


@get("/anmodninger/{request_id:uuid}", name="request", guards=[PARTY])
async def request_detail(
    request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]
) -> Template:
    return await _detail(request, request_id)


async def _act(
    request: Request[Any, Any, Any], request_id: uuid.UUID, act: Any, done: Any = None
) -> Any:
    """Run ``act(data)`` with the form's values; to ``done(result)`` (the request's page when
    None) or back to the request's page with the errors."""
    data = values(await _form(request))
    try:
        result = await act(data)
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _detail(request, request_id, failed=failed, shown=data)
    target = done(result) if done else f"/anmodninger/{request_id}"
    return Redirect(target, status_code=303)


@post("/anmodninger/{request_id:uuid}/accepter", name="request_accept", guards=[PROVIDER])
async def request_accept(request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)

    async def act(data: dict[str, Any]) -> Any:
        return await requests.accept_request(
            principal, request_id, command(PlacementRequestAccept, data)
        )

    return await _act(request, request_id, act, lambda contract: f"/kontrakter/{contract.id}")


@post("/anmodninger/{request_id:uuid}/afslaa", name="request_decline", guards=[PROVIDER])
async def request_decline(request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)

    async def act(data: dict[str, Any]) -> Any:
        return await requests.decline_request(
            principal, request_id, command(PlacementRequestDecline, data)
        )

    return await _act(request, request_id, act)


@post("/anmodninger/{request_id:uuid}/modforslag", name="request_propose", guards=[PROVIDER])
async def request_propose(request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)

    async def act(data: dict[str, Any]) -> Any:
        if data.get("price_level") == "__base__":
            data["price_level"] = None  # the base price, named on purpose
        return await proposals.propose(principal, request_id, command(PlacementProposal, data))

    return await _act(request, request_id, act)


@post("/anmodninger/{request_id:uuid}/traek-tilbage", name="request_withdraw", guards=[PURCHASER])
async def request_withdraw(request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)

    async def act(data: dict[str, Any]) -> Any:
        return await requests.withdraw_request(principal, request_id, data.get("reason", ""))

    return await _act(request, request_id, act)


@post("/anmodninger/{request_id:uuid}/godkend", name="request_approve", guards=[PURCHASER])
async def request_approve(request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)

    async def act(data: dict[str, Any]) -> Any:
        return await requests.approve_request(principal, request_id, data.get("reason", ""))

    return await _act(request, request_id, act)


@post("/anmodninger/{request_id:uuid}/afvis", name="request_refuse", guards=[PURCHASER])
async def request_refuse(request: Request[Any, Any, Any], request_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)

    async def act(data: dict[str, Any]) -> Any:
        return await requests.refuse_request(principal, request_id, data.get("reason", ""))

    return await _act(request, request_id, act)


async def _proposal_request(
    request: Request[Any, Any, Any], proposal_id: FromPath[uuid.UUID]
) -> uuid.UUID:
    found = await proposals.get_proposal(principal_of(request), proposal_id)
    if found is None:
        raise NotFoundException()
    return found.request_id


@post("/modforslag/{proposal_id:uuid}/accepter", name="proposal_accept", guards=[PURCHASER])
async def proposal_accept(request: Request[Any, Any, Any], proposal_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)
    request_id = await _proposal_request(request, proposal_id)

    async def act(_: dict[str, Any]) -> Any:
        return await proposals.accept_proposal(principal, proposal_id)

    return await _act(request, request_id, act, lambda contract: f"/kontrakter/{contract.id}")


@post("/modforslag/{proposal_id:uuid}/afvis", name="proposal_reject", guards=[PURCHASER])
async def proposal_reject(request: Request[Any, Any, Any], proposal_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)
    request_id = await _proposal_request(request, proposal_id)

    async def act(data: dict[str, Any]) -> Any:
        return await proposals.reject_proposal(principal, proposal_id, data.get("reason", ""))

    return await _act(request, request_id, act)


ROUTES = [
    request_new,
    request_create,
    request_list,
    request_detail,
    request_accept,
    request_decline,
    request_propose,
    request_withdraw,
    request_approve,
    request_refuse,
    proposal_accept,
    proposal_reject,
]
