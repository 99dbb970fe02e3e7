"""Exports for spreadsheets: the monthly billing and refund statements and the gap analysis."""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.params import QueryParameter
from litestar.status_codes import (
    HTTP_204_NO_CONTENT,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
)

from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from marketplace.contracts import billing, invoices, refund_statement
from marketplace.contracts.invoices import IssuedLine
from marketplace.contracts.models import InvoiceView
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.money import to_dkk
from schema.errors import client_words
from schema.ids import decode_global_id
from schema.rest.documented import BEARER, SIGNED_IN, SIGNED_IN_DOCUMENT
from schema.rest.exchange.params import modified_after

SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
_STATUS = {
    ErrorCode.UNAUTHENTICATED: HTTP_401_UNAUTHORIZED,
    ErrorCode.PERMISSION_DENIED: HTTP_403_FORBIDDEN,
    ErrorCode.NOT_FOUND: HTTP_404_NOT_FOUND,
}
_LINE_COLUMNS = [
    "legal_basis",
    "period_start",
    "period_end",
    "days",
    "unit",
    "unit_prices",
    "base_dkk",
    "add_ons_dkk",
    "total_dkk",
    "vat_included",
]
COLUMNS = [
    "contract_id",
    "offer_id",
    "provider",
    "buyer",
    "citizen_ref",
    "cpr_masked",
    *_LINE_COLUMNS,
]
INVOICE_COLUMNS = [
    "invoice_number",
    "provider",
    "buyer",
    "issue_date",
    "due_date",
    "invoice_period_start",
    "invoice_period_end",
    "month",
    "contract_id",
    "offer_id",
    "citizen_ref",
    *_LINE_COLUMNS,
    "price_level",
    "hours",
    "hours_source",
    "vat_dkk",
]
REFUND_COLUMNS = [
    "claim_id",
    "paragraph",
    "contract_id",
    "offer_id",
    "provider",
    "claimant",
    "debtor",
    "citizen_ref",
    *_LINE_COLUMNS,
]


def error_response(error: DomainError) -> Response[dict[str, Any]]:
    """A refusal as JSON; no CPR number in its message (it may quote what the client sent)."""
    body = {"code": error.code.value, "message": client_words(error.message), "field": error.field}
    return Response(
        body,
        status_code=_STATUS.get(error.code, HTTP_400_BAD_REQUEST),
        media_type=MediaType.JSON,
    )


def requires_signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the exports: a caller without a token is told so (401) before the
    parameters are read, so a wrong parameter does not answer 400 to a stranger."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal) or not user.is_authenticated:
        raise DomainError(
            ErrorCode.UNAUTHENTICATED, "Sign in: send an `Authorization: Bearer <token>` header."
        )


def http_error_as_json(_: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    """A refusal before the route (a refused token: 401; too many requests: 429) as JSON:
    Litestar would send it as the route's ``text/csv``."""
    body: dict[str, Any] = {"status_code": error.status_code, "detail": error.detail}
    if error.extra:
        body["extra"] = error.extra
    return Response(
        body, status_code=error.status_code, headers=error.headers, media_type=MediaType.JSON
    )


_AS_JSON: dict[Any, Any] = {HTTPException: http_error_as_json}
MODIFIED_AFTER = QueryParameter(
    name="modified_after",
    description="ISO 8601 timestamp (a date alone is its midnight UTC): only what changed on or "
    "after it. Not a timestamp: 400 INVALID naming `modified_after`.",
)


def unchanged_since(issued_at: datetime.datetime, since: datetime.datetime | None) -> bool:
    """An issued document never changes: it is unchanged since any moment after its issue."""
    return since is not None and issued_at < since


def nothing_new() -> Response[Any]:
    """The answer to a ``modified_after`` the document has not changed since: 204, no body."""
    return Response(b"", status_code=HTTP_204_NO_CONTENT)


def _cell(value: object) -> str:
    """Text as a spreadsheet shows it, never as a formula (cells starting =, +, - or @)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _priced(line: billing.BillingLine) -> list[object]:
    """The cells of a line's legal basis, period, days and prices (``_LINE_COLUMNS``)."""
    base = [c for c in line.charges if c.name == billing.BASE]
    return [
        line.legal_basis,
        line.period_start.isoformat(),
        line.period_end.isoformat(),
        line.days,
        base[0].unit.value if base else "",
        "|".join(str(to_dkk(c.unit_price_ore)) for c in base),
        to_dkk(line.base_ore),
        to_dkk(line.add_ons_ore),
        to_dkk(line.total_ore),
        "yes" if line.vat_included else "no",
    ]


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def statement_csv(statement: billing.BillingStatement) -> str:
    return _csv(
        COLUMNS,
        [
            [
                line.contract_id,
                line.offer_id,
                line.provider_org,
                line.buyer,
                line.citizen_ref,
                line.cpr_masked,
                *_priced(line),
            ]
            for line in statement.lines
        ],
    )


def refund_csv(statement: refund_statement.RefundStatement) -> str:
    return _csv(
        REFUND_COLUMNS,
        [
            [
                line.claim_id,
                line.paragraph,
                line.contract_id,
                line.offer_id,
                line.provider_org,
                statement.claimant,
                statement.debtor,
                line.citizen_ref,
                *_priced(line),
            ]
            for line in statement.lines
        ],
    )


def _node_id(value: str, type_name: str, what: str, field: str) -> uuid.UUID:
    """An object's global ID (as GraphQL gives it) or its UUID."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    global_id = decode_global_id(value, [field])
    try:
        if global_id.type_name != type_name:
            raise ValueError(global_id.type_name)
        return uuid.UUID(global_id.node_id)
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", [field]) from None


def _provider_id(value: str) -> uuid.UUID:
    return _node_id(value, "Provider", "provider", "providerId")


def invoice_csv(invoice: InvoiceView, lines: list[IssuedLine]) -> str:
    """An invoice's lines, each with the invoice's number, parties and dates."""
    return _csv(
        INVOICE_COLUMNS,
        [
            [
                invoice.number,
                invoice.provider_org,
                invoice.buyer,
                invoice.issue_date.isoformat(),
                invoice.due_date.isoformat(),
                invoice.period_start.isoformat(),
                invoice.period_end.isoformat(),
                line.month.strftime("%Y-%m"),
                line.contract_id,
                line.offer_id,
                line.citizen_ref,
                *_priced(line),
                "|".join(c.price_level or "" for c in line.charges if c.name == billing.BASE),
                line.hours if line.hours is not None else "",
                line.hours_source.value if line.hours_source else "",
                to_dkk(line.vat_ore),
            ]
            for line in lines
        ],
    )


@get(
    "/exports/billing.csv",
    tags=["exports"],
    summary="A month's billing statement as CSV (the same lines as `billingStatement`)",
    description=(
        "Give `month` (YYYY-MM) and either `municipalityCode` (what the municipality pays; its "
        "purchasers) or `providerId` (what the provider bills; its administrators). Needs a "
        "bearer token. One row per contract with billed days in the month; with "
        "`modified_after`, only the contracts changed since (terms, notice, status, or hours "
        "reported), and their subtotals."
    ),
    media_type="text/csv",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN,
    security=SECURITY,
)
async def billing_csv(
    request: Request[Principal, Any, Any],
    month: Annotated[str, QueryParameter(description="YYYY-MM")],
    municipality_code: Annotated[str | None, QueryParameter(name="municipalityCode")] = None,
    provider_id: Annotated[str | None, QueryParameter(name="providerId")] = None,
    modified_after_: Annotated[str | None, MODIFIED_AFTER] = None,
) -> Response[Any]:
    try:
        statement = await billing.billing_statement(
            request.user,
            billing.parse_month(month),
            municipality_code=municipality_code,
            provider_id=_provider_id(provider_id) if provider_id else None,
            modified_after=modified_after(modified_after_),
        )
    except DomainError as error:
        return error_response(error)
    party = statement.municipality_code or statement.provider_org  # both checked by now
    return Response(
        statement_csv(statement),
        media_type="text/csv",  # Litestar adds the one charset
        headers={"Content-Disposition": f'attachment; filename="billing-{party}-{month}.csv"'},
    )


@get(
    "/exports/refunds.csv",
    tags=["exports"],
    summary="A month's refund statement between two municipalities as CSV (as `refundStatement`)",
    description=(
        "Give `month` (YYYY-MM), `claimantCode` and `debtorCode`: what the debtor refunds the "
        "claimant for the refund claims it accepted. For the purchasers of the two "
        "municipalities; needs a bearer token. One row per accepted claim with days in the "
        "month; with `modified_after`, only the claims made, answered or whose contract "
        "changed since."
    ),
    media_type="text/csv",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN,
    security=SECURITY,
)
async def refunds_csv(
    request: Request[Principal, Any, Any],
    month: Annotated[str, QueryParameter(description="YYYY-MM")],
    claimant_code: Annotated[str, QueryParameter(name="claimantCode")],
    debtor_code: Annotated[str, QueryParameter(name="debtorCode")],
    modified_after_: Annotated[str | None, MODIFIED_AFTER] = None,
) -> Response[Any]:
    try:
        statement = await refund_statement.refund_statement(
            request.user,
            billing.parse_month(month),
            claimant_code,
            debtor_code,
            modified_after(modified_after_),
        )
    except DomainError as error:
        return error_response(error)
    name = f"refunds-{statement.claimant}-{statement.debtor}-{month}.csv"
    return Response(
        refund_csv(statement),
        media_type="text/csv",  # Litestar adds the one charset
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@get(
    "/exports/invoices.csv",
    tags=["exports"],
    summary="An issued invoice's lines as CSV (the same lines as `invoice { lines }`)",
    description=(
        "Give `invoiceId` (the invoice's global ID or UUID). For the provider's administrators "
        "and the buying municipality's purchasers; needs a bearer token. One row per contract "
        "and month, with the invoice's number, parties, dates and period on each; the citizen "
        "is the buyer's case reference, never a CPR number. An issued invoice never "
        "changes: with `modified_after` later than its issue the answer is 204, no body."
    ),
    media_type="text/csv",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN_DOCUMENT,
    security=SECURITY,
)
async def invoices_csv(
    request: Request[Principal, Any, Any],
    invoice_id: Annotated[str, QueryParameter(name="invoiceId")],
    modified_after_: Annotated[str | None, MODIFIED_AFTER] = None,
) -> Response[Any]:
    try:
        since = modified_after(modified_after_)
        found = _node_id(invoice_id, "Invoice", "invoice", "invoiceId")
        invoice, lines = await invoices.invoice_document(request.user, found)
    except DomainError as error:
        return error_response(error)
    if unchanged_since(invoice.issued_at, since):
        return nothing_new()
    name = f"invoice-{invoice.provider_org}-{invoice.number}.csv"
    return Response(
        invoice_csv(invoice, lines),
        media_type="text/csv",  # Litestar adds the one charset
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _gap_query(
    request: Request[Principal, Any, Any],
    region_code: str,
    target_group_codes: str | None,
    as_of: str | None,
) -> tuple[Any, ...]:
    codes = (
        [c.strip() for c in target_group_codes.split(",") if c.strip()]
        if target_group_codes
        else None
    )
    try:
        day = datetime.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Give asOf as YYYY-MM-DD.", ["asOf"]) from None
    return request.user, region_code, codes, day


_GAP_DESCRIPTION = (
    "`regionCode` (1081-1085), optionally `targetGroupCodes` (comma-separated FFB codes; every "
    "group when left out) and `asOf` (YYYY-MM-DD; today). Needs a bearer token. Counts of "
    'people below 3 are shown as "< 3" except to the region\'s steering group.'
)


@get(
    "/exports/gaps.csv",
    tags=["exports"],
    summary="The gap analysis as CSV (the same figures as `supplyGaps`), one row per target group",
    description=_GAP_DESCRIPTION,
    media_type="text/csv",
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN,
    security=SECURITY,
)
async def gaps_csv(
    request: Request[Principal, Any, Any],
    region_code: Annotated[str, QueryParameter(name="regionCode")],
    target_group_codes: Annotated[str | None, QueryParameter(name="targetGroupCodes")] = None,
    as_of: Annotated[str | None, QueryParameter(name="asOf")] = None,
) -> Response[Any]:
    try:
        principal, region, codes, day = _gap_query(request, region_code, target_group_codes, as_of)
        report = await gaps.supply_gaps(principal, region, codes, day)
    except DomainError as error:
        return error_response(error)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=gap_report.TABLE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in gap_report.table(report, gap_report.present(report, principal)):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return Response(
        out.getvalue(),
        media_type="text/csv",  # Litestar adds the one charset
        headers={
            "Content-Disposition": f'attachment; filename="gaps-{region}-{report.as_of.isoformat()}.csv"'
        },
    )


@get(
    "/exports/gaps.json",
    tags=["exports"],
    summary="The gap analysis as JSON, with the offers behind each figure",
    description=_GAP_DESCRIPTION,
    guards=[requires_signed_in],
    exception_handlers=_AS_JSON,
    responses=SIGNED_IN,
    security=SECURITY,
)
async def gaps_json(
    request: Request[Principal, Any, Any],
    region_code: Annotated[str, QueryParameter(name="regionCode")],
    target_group_codes: Annotated[str | None, QueryParameter(name="targetGroupCodes")] = None,
    as_of: Annotated[str | None, QueryParameter(name="asOf")] = None,
) -> Response[Any]:
    try:
        principal, region, codes, day = _gap_query(request, region_code, target_group_codes, as_of)
        report = await gaps.supply_gaps(principal, region, codes, day)
    except DomainError as error:
        return error_response(error)
    return Response(
        gap_report.as_json(report, gap_report.present(report, principal)), media_type=MediaType.JSON
    )
