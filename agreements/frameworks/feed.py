"""The agreements for open-data feeds (OCDS): a region's made agreements, changed since a
moment; for signed-in users, like every read of the registry."""

from __future__ import annotations

import datetime

from piccolo.columns.combination import Combinable

from agreements.frameworks.models import AgreementView
from agreements.frameworks.service import MADE, _readers, _views
from agreements.frameworks.tables import Agreement
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.organisations.reference import region_records


async def made_agreements(
    principal: Principal, region_code: str, modified_after: datetime.datetime | None = None
) -> list[AgreementView]:
    """The region's agreements in force or expired (not drafts), oldest first."""
    _readers(principal)
    if region_code not in region_records():
        raise DomainError(ErrorCode.UNKNOWN_REGION, f"No region {region_code!r}.", ["region_code"])
    where: Combinable = (Agreement.region == region_code) & Agreement.status.is_in(list(MADE))
    if modified_after is not None:
        where = where & (Agreement.updated_at >= modified_after)
    rows = await Agreement.select().where(where).order_by(Agreement.valid_from).run()
    return await _views(rows)
