"""Keeping the search index in step with the offers.

Each offer's text is turned into stems with a weight for the field they come from; a stem
keeps the weight of its best field. Called in the same transaction as every change to an
offer's text, and in bulk by the demo seed and `socialmarked reindex`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from marketplace.offers.tables import Offer, OfferMethod, OfferTargetGroup
from marketplace.search.tables import OfferTerm, SearchTerm
from marketplace.search.text import terms

# How much a match in each field counts towards the score.
WEIGHTS = {"name": 8, "target_groups": 6, "methods": 4, "description": 2}
EXACT_BONUS = 1


def offer_terms(
    name: str, description: str, target_groups: Sequence[str], methods: Sequence[str]
) -> dict[str, int]:
    """Stem -> weight of the best field it occurs in."""
    weighted: dict[str, int] = {}
    for field, text in (
        ("name", name),
        ("target_groups", " ".join(target_groups)),
        ("methods", " ".join(methods)),
        ("description", description),
    ):
        for term in terms(text):
            if len(term) <= 60:
                weighted[term] = max(weighted.get(term, 0), WEIGHTS[field])
    return weighted


async def _add_vocabulary(new_terms: set[str]) -> None:
    wanted = sorted(new_terms)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        await (
            SearchTerm.insert(*(SearchTerm(term=t) for t in chunk))
            .on_conflict(action="DO NOTHING")
            .run()
        )


async def write_terms(index: dict[uuid.UUID, dict[str, int]]) -> None:
    """Replace the index rows of these offers (call inside the writing transaction)."""
    if not index:
        return
    ids = list(index)
    await OfferTerm.delete().where(OfferTerm.offer.is_in(ids)).run()
    await _add_vocabulary({t for weighted in index.values() for t in weighted})
    rows = [
        OfferTerm(offer=offer_id, term=term, weight=weight)
        for offer_id, weighted in index.items()
        for term, weight in weighted.items()
    ]
    for start in range(0, len(rows), 1000):
        await OfferTerm.insert(*rows[start : start + 1000]).run()


async def reindex(offer_ids: Sequence[uuid.UUID]) -> None:
    """Rebuild the index rows of offers from what is stored about them."""
    if not offer_ids:
        return
    ids = list(offer_ids)
    offers = (
        await Offer.select(Offer.id, Offer.name, Offer.description).where(Offer.id.is_in(ids)).run()
    )
    groups: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for row in (
        await OfferTargetGroup.select(
            OfferTargetGroup.offer,
            OfferTargetGroup.target_group._.label_da.as_alias("label_da"),
        )
        .where(OfferTargetGroup.offer.is_in(ids))
        .run()
    ):
        groups[row["offer"]].append(row["label_da"])
    methods: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for row in await OfferMethod.select().where(OfferMethod.offer.is_in(ids)).run():
        methods[row["offer"]].append(row["term"])
    await write_terms(
        {
            o["id"]: offer_terms(o["name"], o["description"], groups[o["id"]], methods[o["id"]])
            for o in offers
        }
    )


async def reindex_all(batch: int = 500) -> int:
    ids = [row["id"] for row in await Offer.select(Offer.id).order_by(Offer.id).run()]
    for start in range(0, len(ids), batch):
        await reindex(ids[start : start + batch])
    return len(ids)
