"""One need, several offers: a purchaser describes an anonymised need and sends it to the
offers a search finds; each provider answers for its offer with terms or declines; the
purchaser compares the answers side by side and picks one, naming the citizen only then.
The pick becomes a placement request the provider accepts as any other."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.contracts import needs
from marketplace.contracts.models import (
    DeclineReason,
    NeedAnswerStatus,
    NeedStatus,
    PlacementNeedChoose,
    PlacementNeedCreate,
    PlacementProposal,
    PlacementRequestDecline,
    Urgency,
)
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.reference import municipality_records
from web import labels
from web.forms import FormInvalid, command, error_context, form_errors, refused, values
from web.render import page
from web.security import principal_of, requires

PER_PAGE = 25
PURCHASER = requires(Role.PURCHASER)
PROVIDER = requires(Role.PROVIDER_ADMIN)
PARTY = requires(Role.PURCHASER, Role.PROVIDER_ADMIN)
NEED_STATUS = {
    NeedStatus.OPEN: "Tilbuddene svarer",
    NeedStatus.DECIDING: "Vælg et svar",
    NeedStatus.CHOSEN: "Svar valgt",
    NeedStatus.CANCELLED: "Annulleret",
    NeedStatus.CLOSED: "Lukket uden valg",
}
ANSWER_STATUS = {
    NeedAnswerStatus.WAITING: "Afventer svar",
    NeedAnswerStatus.PROPOSED: "Forslag",
    NeedAnswerStatus.DECLINED: "Afslået",
    NeedAnswerStatus.NO_ANSWER: "Intet svar",
    NeedAnswerStatus.CHOSEN: "Valgt",
    NeedAnswerStatus.NOT_CHOSEN: "Ikke valgt",
    NeedAnswerStatus.CANCELLED: "Annulleret",
}
# The need form is flat; the command nests the area and the search.
NESTED = {
    "municipality_code": "area",
    "radius_km": "area",
    "query": "match",
    "free_places": "match",
}


def _shown_errors(failed: FormInvalid) -> FormInvalid:
    """Errors on the command's nested fields named as the form's flat ones."""
    fields = {}
    for path, text in failed.fields.items():
        head, _, rest = path.partition(".")
        fields[rest if head in ("area", "match") and rest else path] = text
    return FormInvalid(fields, failed.general)


def _names() -> dict[str, Any]:
    return {"need_status": NEED_STATUS, "answer_status": ANSWER_STATUS}


@get("/behov", name="needs", guards=[PARTY])
async def need_list(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    after = request.query_params.get("efter") or None
    if principal.role is Role.PROVIDER_ADMIN:
        answers = await needs.list_answers(principal, PageRequest(PER_PAGE, after))
        sent = await needs.needs_by_id(principal, list({a.need_id for a in answers.items}))
        names = await offers.offers_by_id(principal, list({a.offer_id for a in answers.items}))
        return page(
            request,
            "needs/answers.html",
            found=answers,
            needs=sent,
            offers=names,
            next_cursor=answers.next_after,
            **_names(),
        )
    found = await needs.list_needs(principal, PageRequest(PER_PAGE, after))
    return page(
        request,
        "needs/list.html",
        found=found,
        next_cursor=found.next_after,
        **_names(),
    )


def _need_form(
    request: Request[Any, Any, Any],
    shown: dict[str, Any],
    failed: FormInvalid | None = None,
) -> Template:
    return page(
        request,
        "needs/new.html",
        status_code=400 if failed else 200,
        groups=[(r.code, r.label_da) for r in target_group_records()],
        bases=labels.legal_basis_options(),
        municipalities=sorted(
            ((m.code, m.name) for m in municipality_records()), key=lambda c: c[1]
        ),
        urgencies=labels.options(Urgency),
        values=shown,
        **error_context(failed),
    )


@get("/behov/nyt", name="need_new", guards=[PURCHASER])
async def need_new(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    shown = {
        "municipality_code": principal.org_code,
        "radius_km": "50",
        "desired_start": today().isoformat(),
        "free_places": True,
    }
    return _need_form(request, shown)


@post("/behov/nyt", name="need_create", guards=[PURCHASER])
async def need_create(request: Request[Any, Any, Any]) -> Any:
    shown = values(
        await request.form(),
        lists=["target_groups"],
        flags=["free_places"],
        amounts=["max_price_per_day"],
    )
    data: dict[str, Any] = {"area": {}, "match": {}}
    for name, value in shown.items():
        if name in NESTED:
            data[NESTED[name]][name] = value
        else:
            data[name] = value
    if not data["area"].get("municipality_code"):
        data["area"] = None
    try:
        made = await needs.create_need(principal_of(request), command(PlacementNeedCreate, data))
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return _need_form(request, shown, _shown_errors(failed))
    return Redirect(f"/behov/{made.id}", status_code=303)


async def _need_page(
    request: Request[Any, Any, Any],
    need_id: uuid.UUID,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    need = await needs.get_need(principal, need_id)
    if need is None or principal.role is not Role.PURCHASER:
        raise NotFoundException()
    answers = (await needs.answers_by_need(principal, [need.id]))[need.id]
    offer_ids = list({a.offer_id for a in answers})
    return page(
        request,
        "needs/detail.html",
        status_code=400 if failed else 200,
        need=need,
        answers=sorted(answers, key=lambda a: (a.status is not NeedAnswerStatus.PROPOSED,)),
        offers=await offers.offers_by_id(principal, offer_ids),
        comparisons=await needs.offer_comparisons(offer_ids),
        may_choose=need.status in (NeedStatus.OPEN, NeedStatus.DECIDING),
        values=shown or {},
        **error_context(failed),
        **_names(),
    )


@get("/behov/{need_id:uuid}", name="need", guards=[PURCHASER])
async def need_detail(request: Request[Any, Any, Any], need_id: FromPath[uuid.UUID]) -> Template:
    return await _need_page(request, need_id)


@post("/behov/{need_id:uuid}/annuller", name="need_cancel", guards=[PURCHASER])
async def need_cancel(request: Request[Any, Any, Any], need_id: FromPath[uuid.UUID]) -> Any:
    shown = values(await request.form())
    try:
        await needs.cancel(principal_of(request), need_id, str(shown.get("reason", "")))
    except DomainError as error:
        return await _need_page(request, need_id, failed=refused(error), shown=shown)
    return Redirect(f"/behov/{need_id}", status_code=303)


async def _answer(request: Request[Any, Any, Any], answer_id: uuid.UUID) -> Any:
    found = await needs.get_answer(principal_of(request), answer_id)
    if found is None:
        raise NotFoundException()
    return found


@post("/behov/svar/{answer_id:uuid}/vaelg", name="need_choose", guards=[PURCHASER])
async def need_choose(request: Request[Any, Any, Any], answer_id: FromPath[uuid.UUID]) -> Any:
    answer = await _answer(request, answer_id)
    shown = values(await request.form())
    key = str(shown.pop("idempotency", ""))[:200] or None
    try:
        made = await needs.choose(
            principal_of(request),
            answer_id,
            command(PlacementNeedChoose, shown),
            idempotency_key=key,
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        if "cpr" in shown:  # a CPR number is never sent back to the browser
            failed.fields.setdefault("cpr", "Skriv CPR-nummeret igen.")
        kept = {k: v for k, v in shown.items() if k != "cpr"} | {"chosen": str(answer_id)}
        return await _need_page(request, answer.need_id, failed=failed, shown=kept)
    return Redirect(f"/anmodninger/{made.id}?sendt=1", status_code=303)


async def _answer_page(
    request: Request[Any, Any, Any],
    answer_id: uuid.UUID,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    answer = await _answer(request, answer_id)
    need = await needs.get_need(principal, answer.need_id)
    offer = (await offers.offers_by_id(principal, [answer.offer_id])).get(answer.offer_id)
    day = today()
    versions = (await pricing.price_lists_by_offer([answer.offer_id], day.year))[answer.offer_id]
    return page(
        request,
        "needs/answer.html",
        status_code=400 if failed else 200,
        answer=answer,
        need=need,
        offer=offer,
        prices=pricing.latest(versions, day.year),
        decline_reasons=labels.options(DeclineReason),
        may_answer=answer.status is NeedAnswerStatus.WAITING,
        values=shown or {"start_date": need.desired_start.isoformat() if need else ""},
        **error_context(failed),
        **_names(),
    )


@get("/behov/svar/{answer_id:uuid}", name="need_answer", guards=[PROVIDER])
async def need_answer(request: Request[Any, Any, Any], answer_id: FromPath[uuid.UUID]) -> Template:
    return await _answer_page(request, answer_id)


@post("/behov/svar/{answer_id:uuid}/foreslaa", name="need_propose", guards=[PROVIDER])
async def need_propose(request: Request[Any, Any, Any], answer_id: FromPath[uuid.UUID]) -> Any:
    await _answer(request, answer_id)
    shown = values(await request.form())
    data = dict(shown)
    if data.get("price_level") == "__base__":
        data["price_level"] = None  # the base price, named on purpose
    try:
        await needs.propose(principal_of(request), answer_id, command(PlacementProposal, data))
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _answer_page(request, answer_id, failed=failed, shown=shown)
    return Redirect(f"/behov/svar/{answer_id}", status_code=303)


@post("/behov/svar/{answer_id:uuid}/afslaa", name="need_decline", guards=[PROVIDER])
async def need_decline(request: Request[Any, Any, Any], answer_id: FromPath[uuid.UUID]) -> Any:
    await _answer(request, answer_id)
    shown = values(await request.form())
    try:
        await needs.decline(
            principal_of(request), answer_id, command(PlacementRequestDecline, shown)
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _answer_page(request, answer_id, failed=failed, shown=shown)
    return Redirect(f"/behov/svar/{answer_id}", status_code=303)


ROUTES = [
    need_list,
    need_new,
    need_create,
    need_detail,
    need_cancel,
    need_choose,
    need_answer,
    need_propose,
    need_decline,
]
