"""The year's settlement of an offer, computed (pure; money in integer øre).

The project's reading of the agreements' economic rules (DOMAIN C6; seed 001 for Region
Sjælland's budget regulation):

- The **budget** is what the price was calculated to cover: the price times the budgeted
  place-days (places x days of the year x the price list's budgeted occupancy).
- The **revenue** is the price times the place-days occupied (the places the provider
  declares in use, and the contracts, day by day).
- **Budget regulation**: when occupancy deviates from the budgeted by more than the allowed
  deviation (e.g. 3%), the budget is regulated by the share (e.g. 70%) of the price of the
  place-days beyond it, up for over- and down for under-occupancy.
- **Objective financing in start-up years** (a special condition): what the revenue does not
  cover of the regulated budget is paid by the agreement's municipalities by population.
- The **result** is the revenue (and any objective financing) less the actual cost, the
  regulated budget when the provider states none: a surplus or a deficit.
- **Collective deficit cover** (a special condition): a deficit is paid by the
  municipalities by population; nothing is then carried.
- **Carry-over**: the result goes into the price basis of the year after next (the accounts
  close after next year's prices are set), within the carry-over cap (e.g. 5% of the budget);
  what lies beyond the cap is not carried (the operator's own). Without a carry-over rule
  nothing is carried.

Amounts are rounded to the øre once, at the end of each figure, half away from zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

CARRY_INTO = 2  # years after the settled one whose price basis takes the result


def ore(value: Fraction) -> int:
    """To whole øre, half away from zero."""
    magnitude = abs(value)
    whole = int(magnitude)
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return whole if value >= 0 else -whole


def bp(value: Fraction) -> int:
    """A ratio in basis points (0.9538 -> 9538), rounded like ``ore``."""
    return ore(value * 10000)


@dataclass(frozen=True)
class YearInput:
    day_price: Fraction  # øre per place-day (a month price divided over its days)
    place_days: int  # places x days of the year
    occupied_days: int
    budgeted_bp: int
    regulation_share_bp: int | None
    allowed_deviation_bp: int | None
    carry_over_cap_bp: int | None
    actual_cost_ore: int | None
    objective_financing: bool = False
    collective_cover: bool = False


@dataclass(frozen=True)
class YearFigures:
    budgeted_days: Fraction
    budget_ore: int
    revenue_ore: int
    occupancy_bp: int
    deviation_bp: int
    regulated_days: Fraction
    regulation_ore: int
    regulated_budget_ore: int
    actual_cost_ore: int
    objective_financing_ore: int
    result_ore: int
    collective_cover_ore: int
    carry_over_cap_ore: int | None
    carried_ore: int
    beyond_cap_ore: int


def _regulated_days(given: YearInput, budgeted: Fraction) -> Fraction:
    """The place-days beyond the allowed deviation (signed); none without a regulation."""
    if given.regulation_share_bp is None or budgeted == 0:
        return Fraction(0)
    deviation = given.occupied_days - budgeted
    allowed = budgeted * Fraction(given.allowed_deviation_bp or 0, 10000)
    if abs(deviation) <= allowed:
        return Fraction(0)
    return deviation - allowed if deviation > 0 else deviation + allowed


def _carried(result: int, cap: int | None) -> tuple[int, int]:
    if cap is None:
        return 0, 0
    carried = max(-cap, min(cap, result))
    return carried, result - carried


def settle(given: YearInput) -> YearFigures:
    budgeted = given.place_days * Fraction(given.budgeted_bp, 10000)
    budget = ore(given.day_price * budgeted)
    revenue = ore(given.day_price * given.occupied_days)
    regulated_days = _regulated_days(given, budgeted)
    share = Fraction(given.regulation_share_bp or 0, 10000)
    regulation = ore(share * given.day_price * regulated_days)
    regulated_budget = budget + regulation
    cost = regulated_budget if given.actual_cost_ore is None else given.actual_cost_ore
    objective = max(0, regulated_budget - revenue) if given.objective_financing else 0
    result = revenue + objective - cost
    cover = -result if given.collective_cover and result < 0 else 0
    result += cover
    cap = (
        None
        if given.carry_over_cap_bp is None
        else ore(budget * Fraction(given.carry_over_cap_bp, 10000))
    )
    carried, beyond = _carried(result, cap)
    return YearFigures(
        budgeted_days=budgeted,
        budget_ore=budget,
        revenue_ore=revenue,
        occupancy_bp=bp(Fraction(given.occupied_days, given.place_days)) if given.place_days else 0,
        deviation_bp=bp((given.occupied_days - budgeted) / budgeted) if budgeted else 0,
        regulated_days=regulated_days,
        regulation_ore=regulation,
        regulated_budget_ore=regulated_budget,
        actual_cost_ore=cost,
        objective_financing_ore=objective,
        result_ore=result,
        collective_cover_ore=cover,
        carry_over_cap_ore=cap,
        carried_ore=carried,
        beyond_cap_ore=beyond,
    )
