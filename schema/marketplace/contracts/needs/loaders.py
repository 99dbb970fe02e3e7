"""DataLoaders of needs and their answers, created per request."""

from __future__ import annotations

import uuid
from functools import partial

from marketplace.contracts import needs
from marketplace.contracts.models import NeedAnswerView, NeedView, OfferComparison
from marketplace.core.identity import Principal
from schema.loaders import KeyedLoader


class NeedByIdLoader(KeyedLoader[uuid.UUID, NeedView]):
    """Needs the caller may read (its own, or sent to its offers); others load as None."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(needs.needs_by_id, principal))


class NeedAnswerByIdLoader(KeyedLoader[uuid.UUID, NeedAnswerView]):
    """Answers the caller may read (the need's buyer, the answering provider)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(needs.answers_by_id, principal))


class NeedAnswersByNeedLoader(KeyedLoader[uuid.UUID, list[NeedAnswerView]]):
    """A need's answers side by side: all for the buyer, its own for a provider."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(needs.answers_by_need, principal), default=[])


class OfferComparisonByOfferLoader(KeyedLoader[uuid.UUID, OfferComparison]):
    """An answering offer's first free day, special conditions and agreement, today."""

    def __init__(self) -> None:
        super().__init__(needs.offer_comparisons)


class RequestIdByNeedAnswerLoader(KeyedLoader[uuid.UUID, uuid.UUID]):
    """The request a picked answer became (asked only for answers already seen)."""

    def __init__(self) -> None:
        super().__init__(needs.requests_by_answer)
