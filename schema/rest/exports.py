"""Exports for spreadsheets: the monthly billing statement and the gap analysis."""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.params import QueryParameter
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
)

from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from marketplace.contracts import billing
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.money import to_dkk
from schema.ids import decode_global_id

_STATUS = {
    ErrorCode.UNAUTHENTICATED: HTTP_401_UNAUTHORIZED,
    ErrorCode.PERMISSION_DENIED: HTTP_403_FORBIDDEN,
    ErrorCode.NOT_FOUND: HTTP_404_NOT_FOUND,
}
COLUMNS = [
    "contract_id",
    "offer_id",
    "provider",
    "buyer",
    "payer",
    "citizen_ref",
    "cpr_masked",
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


def error_response(error: DomainError) -> Response[dict[str, Any]]:
    body = {"code": error.code.value, "message": error.message, "field": error.field}
    return Response(
        body,
        status_code=_STATUS.get(error.code, HTTP_400_BAD_REQUEST),
        media_type=MediaType.JSON,
    )


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


def statement_csv(statement: billing.BillingStatement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in statement.lines:
        base = [c for c in line.charges if c.name == billing.BASE]
        writer.writerow(
            [
                _cell(v)
                for v in (
                    line.contract_id,
                    line.offer_id,
                    line.provider_org,
                    line.buyer,
                    line.payer,
                    line.citizen_ref,
                    line.cpr_masked,
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
                )
            ]
        )
    return out.getvalue()


def _provider_id(value: str) -> uuid.UUID:
    """A provider's global ID (as GraphQL gives it) or its UUID."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    global_id = decode_global_id(value, ["providerId"])
    try:
        if global_id.type_name != "Provider":
            raise ValueError(global_id.type_name)
        return uuid.UUID(global_id.node_id)
    except ValueError:
        raise DomainError(
            ErrorCode.NOT_FOUND, "There is no such provider.", ["providerId"]
        ) from None


@get(
    "/exports/billing.csv",
    tags=["exports"],
    summary="A month's billing statement as CSV (the same lines as `billingStatement`)",
    description=(
        "Give `month` (YYYY-MM) and either `municipalityCode` (what the municipality pays; its "
        "purchasers) or `providerId` (what the provider bills; its administrators). Needs a "
        "bearer token. One row per contract with billed days in the month."
    ),
    media_type="text/csv",
)
async def billing_csv(
    request: Request[Principal, Any, Any],
    month: Annotated[str, QueryParameter(description="YYYY-MM")],
    municipality_code: Annotated[str | None, QueryParameter(name="municipalityCode")] = None,
    provider_id: Annotated[str | None, QueryParameter(name="providerId")] = None,
) -> Response[Any]:
    try:
        statement = await billing.billing_statement(
            request.user,
            billing.parse_month(month),
            municipality_code=municipality_code,
            provider_id=_provider_id(provider_id) if provider_id else None,
        )
    except DomainError as error:
        return error_response(error)
    party = statement.municipality_code or statement.provider_org  # both checked by now
    return Response(
        statement_csv(statement),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="billing-{party}-{month}.csv"'},
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
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="gaps-{region}-{report.as_of.isoformat()}.csv"'
        },
    )


@get(
    "/exports/gaps.json",
    tags=["exports"],
    summary="The gap analysis as JSON, with the offers behind each figure",
    description=_GAP_DESCRIPTION,
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
