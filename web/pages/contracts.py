"""Contracts and the month's statement: the parties' contracts with their agreed terms and
history, notice from either party, and what a month bills (on the page and as CSV)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.contracts import billing, hours, parties, refunds
from marketplace.contracts import service as contracts
from marketplace.contracts.models import REFUND_PARAGRAPHS, ContractStatus
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import service as offers
from marketplace.offers.models import PriceUnit
from marketplace.organisations import service as organisations
from marketplace.organisations.reference import municipality_records
from schema.rest.exports import statement_csv
from web.forms import FormInvalid, error_context, refused, values
from web.render import page
from web.security import principal_of, requires

PER_PAGE = 25
PARTY = requires(Role.PURCHASER, Role.PROVIDER_ADMIN)


@get("/kontrakter", name="contracts", guards=[PARTY])
async def contract_list(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    status = request.query_params.get("status") or None
    chosen = ContractStatus(status) if status in {s.value for s in ContractStatus} else None
    after = request.query_params.get("efter") or None
    found = await contracts.list_contracts(principal, PageRequest(PER_PAGE, after), status=chosen)
    names = await offers.offers_by_id(principal, list({c.offer_id for c in found.items}))
    return page(
        request,
        "contracts/list.html",
        found=found,
        offers=names,
        status=chosen,
        statuses=list(ContractStatus),
        next_cursor=found.next_after,
    )


async def contract_page(
    request: Request[Any, Any, Any],
    contract_id: uuid.UUID,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    """A contract's page (with the form that failed, if one did)."""
    principal = principal_of(request)
    found = await contracts.get_contract(principal, contract_id)
    if found is None:
        raise NotFoundException()
    offer = (await offers.offers_by_id(principal, [found.offer_id])).get(found.offer_id)
    history = (await parties.history([found.request_id]))[found.request_id]
    hourly = any(term.unit is PriceUnit.PER_HOUR for term in found.terms)
    delivered = (await hours.hours_by_contract([found.id]))[found.id] if hourly else []
    last_month = months_back(today().replace(day=1), 2)[-1]
    is_buyer = principal.role is Role.PURCHASER and principal.org_code == found.buyer
    claims = (await refunds.claims_by_contract(principal, [found.id]))[found.id] if is_buyer else []
    return page(
        request,
        "contracts/detail.html",
        status_code=400 if failed else 200,
        item=found,
        offer=offer,
        history=history,
        running=found.status in (ContractStatus.ACTIVE,),
        hourly=hourly,
        is_buyer=is_buyer,
        claims=claims,
        paragraph_choices=[(p.value, text) for p, text in REFUND_PARAGRAPHS.items()],
        municipalities=sorted(
            ((m.code, m.name) for m in municipality_records() if m.code != found.buyer),
            key=lambda c: c[1],
        ),
        delivered=delivered,
        hours_saved=request.query_params.get("timer") == "1",
        **error_context(failed),
        values=shown or {"month": f"{last_month:%Y-%m}"},
        day=today(),
    )


@get("/kontrakter/{contract_id:uuid}", name="contract", guards=[PARTY])
async def contract_detail(
    request: Request[Any, Any, Any], contract_id: FromPath[uuid.UUID]
) -> Template:
    return await contract_page(request, contract_id)


@post("/kontrakter/{contract_id:uuid}/opsig", name="contract_notice", guards=[PARTY])
async def contract_notice(request: Request[Any, Any, Any], contract_id: FromPath[uuid.UUID]) -> Any:
    data = values(await request.form())
    try:
        await contracts.give_notice(principal_of(request), contract_id, data.get("reason", ""))
    except DomainError as error:
        return await contract_page(request, contract_id, refused(error))
    return Redirect(f"/kontrakter/{contract_id}", status_code=303)


def months_back(first: datetime.date, count: int) -> list[datetime.date]:
    """``first`` (a month's first day) and the ``count - 1`` months before it."""
    months = []
    year, month = first.year, first.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def _month(request: Request[Any, Any, Any]) -> datetime.date:
    text = request.query_params.get("maaned") or ""
    try:
        return billing.parse_month(text)
    except DomainError:
        return today().replace(day=1)


async def _statement(principal: Principal, month: datetime.date) -> billing.BillingStatement:
    assert principal.org_code is not None
    if principal.role is Role.PURCHASER:
        return await billing.billing_statement(
            principal, month, municipality_code=principal.org_code
        )
    provider = await organisations.provider_for_org(principal.org_code)
    if provider is None:
        raise NotFoundException()
    return await billing.billing_statement(principal, month, provider_id=provider.id)


@get("/opgoerelse", name="statement", guards=[PARTY])
async def statement_page(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    month = _month(request)
    found = await _statement(principal, month)
    names = await offers.offers_by_id(principal, list({line.offer_id for line in found.lines}))
    return page(
        request,
        "contracts/statement.html",
        statement=found,
        offers=names,
        month=month,
        months=months_back(today().replace(day=1), 13),
    )


@get("/opgoerelse.csv", name="statement_csv", guards=[PARTY])
async def statement_download(request: Request[Any, Any, Any]) -> Response[str]:
    principal = principal_of(request)
    month = _month(request)
    found = await _statement(principal, month)
    return Response(
        statement_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="opgoerelse-{principal.org_code}-{month:%Y-%m}.csv"',
            "cache-control": "no-store",
        },
    )


ROUTES = [contract_list, contract_detail, contract_notice, statement_page, statement_download]
