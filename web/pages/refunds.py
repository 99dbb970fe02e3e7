"""Refunds between municipalities (mellemkommunal refusion, retssikkerhedsloven § 9 c): the
buying municipality claims a contract's cost from a former municipality on the contract's
page; the claims page lists the municipality's claims both ways, where the debtor accepts or
disputes and the claimant withdraws."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.contracts import refunds
from marketplace.contracts.models import (
    REFUND_PARAGRAPHS,
    RefundClaimCreate,
    RefundClaimStatus,
    RefundRole,
)
from marketplace.core.errors import DomainError
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import service as offers
from web.forms import FormInvalid, command, error_context, form_errors, refused, values
from web.pages.contracts import contract_page
from web.render import page
from web.security import principal_of, requires

PER_PAGE = 25
PURCHASER = requires(Role.PURCHASER)
ROLE_NAMES = {"claimant": "Vores krav", "debtor": "Krav mod os"}
STATUS_NAMES = {
    RefundClaimStatus.CLAIMED: "Afventer svar",
    RefundClaimStatus.ACCEPTED: "Accepteret",
    RefundClaimStatus.DISPUTED: "Bestridt",
    RefundClaimStatus.WITHDRAWN: "Trukket tilbage",
}


async def _list(
    request: Request[Any, Any, Any],
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    chosen = request.query_params.get("side") or None
    role = RefundRole(chosen) if chosen in {r.value for r in RefundRole} else None
    after = request.query_params.get("efter") or None
    found = await refunds.list_claims(principal, PageRequest(PER_PAGE, after), role=role)
    names = await offers.offers_by_id(principal, list({c.offer_id for c in found.items}))
    return page(
        request,
        "refunds/list.html",
        status_code=400 if failed else 200,
        found=found,
        offers=names,
        role=role,
        roles=ROLE_NAMES,
        status_names=STATUS_NAMES,
        paragraphs=REFUND_PARAGRAPHS,
        next_cursor=found.next_after,
        values=shown or {},
        **error_context(failed),
    )


@get("/refusioner", name="refund_claims", guards=[PURCHASER])
async def claim_list(request: Request[Any, Any, Any]) -> Template:
    return await _list(request)


@post("/kontrakter/{contract_id:uuid}/refusion", name="refund_claim_create", guards=[PURCHASER])
async def claim_create(request: Request[Any, Any, Any], contract_id: FromPath[uuid.UUID]) -> Any:
    shown = values(await request.form())
    key = str(shown.pop("idempotency", ""))[:200] or None
    try:
        await refunds.create_claim(
            principal_of(request),
            contract_id,
            command(RefundClaimCreate, shown),
            idempotency_key=key,
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await contract_page(request, contract_id, failed=failed, shown=shown)
    return Redirect(f"/kontrakter/{contract_id}", status_code=303)


ANSWERS = {
    "accepter": refunds.accept_claim,
    "bestrid": refunds.dispute_claim,
    "traek-tilbage": refunds.withdraw_claim,
}


@post("/refusioner/{claim_id:uuid}/{answer:str}", name="refund_claim_answer", guards=[PURCHASER])
async def claim_answer(
    request: Request[Any, Any, Any], claim_id: FromPath[uuid.UUID], answer: FromPath[str]
) -> Any:
    act = ANSWERS.get(answer)
    if act is None:
        raise NotFoundException()
    shown = values(await request.form())
    try:
        await act(principal_of(request), claim_id, str(shown.get("reason", "")))
    except DomainError as error:
        return await _list(request, failed=refused(error), shown=shown)
    return Redirect("/refusioner", status_code=303)


ROUTES = [claim_list, claim_create, claim_answer]
