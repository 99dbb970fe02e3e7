"""DataLoaders of the organisation registry, created per request."""

from __future__ import annotations

import uuid

from marketplace.organisations import service as organisations
from marketplace.organisations.models import MunicipalityView, ProviderView, RegionView
from schema.loaders import KeyedLoader


class RegionByCodeLoader(KeyedLoader[str, RegionView]):
    def __init__(self) -> None:
        super().__init__(organisations.regions_by_code)


class MunicipalityByCodeLoader(KeyedLoader[str, MunicipalityView]):
    def __init__(self) -> None:
        super().__init__(organisations.municipalities_by_code)


class ProviderByIdLoader(KeyedLoader[uuid.UUID, ProviderView]):
    def __init__(self) -> None:
        super().__init__(organisations.providers_by_id)


class MunicipalityCountByRegionLoader(KeyedLoader[str, int]):
    def __init__(self) -> None:
        super().__init__(organisations.municipality_counts, default=0)


class ProviderByOrgLoader(KeyedLoader[str, ProviderView]):
    def __init__(self) -> None:
        super().__init__(organisations.providers_by_org)
