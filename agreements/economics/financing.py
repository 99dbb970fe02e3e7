"""Objective financing (objektiv finansiering): an amount shared among an agreement's
municipalities by population rather than by use. Money in integer øre; the shares add up
to the amount exactly (largest remainder)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.organisations.reference import populations


def share_by_population(amount_ore: int, population: Mapping[str, int]) -> dict[str, int]:
    """``amount_ore`` shared by population, in øre that add up to it: each party gets the
    whole øre of its share, and the øre left over go to the largest remainders (ties to the
    lower code)."""
    negative = sorted(code for code, people in population.items() if people < 0)
    if negative:
        raise DomainError(
            ErrorCode.INVALID,
            f"A population share cannot be negative: {', '.join(negative)}.",
            ["populations", negative[0]],
        )
    total = sum(population.values())
    if total == 0:
        raise DomainError(ErrorCode.INVALID, "No population to share by.", ["populations"])
    sign = -1 if amount_ore < 0 else 1
    whole = {code: abs(amount_ore) * people // total for code, people in population.items()}
    left = abs(amount_ore) - sum(whole.values())
    by_remainder = sorted(
        population, key=lambda code: (-(abs(amount_ore) * population[code] % total), code)
    )
    for code in by_remainder[:left]:
        whole[code] += 1
    return {code: sign * share for code, share in sorted(whole.items())}


def municipal_parties(parties: Sequence[str]) -> dict[str, int]:
    """The municipalities among an agreement's parties with their populations (the region
    is a party but has no population of its own to pay by)."""
    people = populations()
    return {party: people[party] for party in parties if party in people}
