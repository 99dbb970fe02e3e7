"""A hot select's SQL is made once and run again with the arguments its caller gives: they
must be the select's parameters in its order, which is checked when the SQL is made."""

from __future__ import annotations

import datetime

import pytest
from piccolo.query.methods.select import Select

from marketplace.contracts.models import ContractStatus
from marketplace.contracts.tables import Contract
from marketplace.core.db import fetch_compiled, prepare_engine, release_engine
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="SQL is compiled on PostgreSQL")


def _select() -> Select:
    return Contract.select(Contract.offer).where(
        (Contract.status != ContractStatus.CANCELLED.value)
        & (Contract.start_date <= datetime.date(2027, 1, 1))
    )


async def test_arguments_out_of_the_selects_order_are_refused() -> None:
    await prepare_engine()
    try:
        day = datetime.date(2027, 1, 1)
        with pytest.raises(AssertionError, match="parameters"):
            await fetch_compiled("out of order", _select, [day, "cancelled"])
        assert await fetch_compiled("in order", _select, ["cancelled", day]) == []
    finally:
        await release_engine()
