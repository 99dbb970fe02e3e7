"""The ``market`` fixture of the contracts' tests."""

from __future__ import annotations

import pytest

from tests.marketplace.contracts.world import Market, build_market


@pytest.fixture
async def market() -> Market:
    return await build_market()
