"""What makes a demo offer believable: target groups a case handler would pair, fitting the
offer's age segment; prices that follow the year before by a plausible index; price lists
that keep their demo agreement's binding rules.

- **Target groups.** An offer's groups share a *family* with its primary group (sensory
  loss, brain injury, intellectual disability, neurodevelopmental, psychiatric, children
  in care, sentenced, substance use, marginalised adults); groups for children only
  (attachment disorder, neglect, developmental disorders of school, speech and motor
  skills) are never on an adult offer, and groups for adults only (dementia, homelessness,
  prostitution, alcohol and drug misuse) never on a children's offer.
- **Prices.** Next year's price list is this year's, every price indexed by 1.5-3.5% (the
  KL price forecasts are of that order, DOMAIN C8), rounded to whole kroner. No exceptions
  in the generated offers.
- **Rules.** The overhead keeps the agreement's cap (4.5%; 6% advisory in Hovedstaden); the
  budgeted occupancy of a per-day or per-month price of a day or residential offer lies in
  the band (95-98%, at least 90% for acute and respite places); Spiseforstyrrelsescentret
  Nord budgets with the 85% DAS approved as a special condition.
"""

from __future__ import annotations

import random
from decimal import Decimal

from agreements.frameworks.rulebook import ACUTE_OR_RESPITE, PLACE_CATEGORIES, PLACE_UNITS

FAMILIES: dict[str, frozenset[str]] = {
    "sensory": frozenset(
        {
            "Medfødt døvblindhed",
            "Erhvervet døvblindhed",
            "Hørenedsættelse",
            "Synsnedsættelse",
            "Kommunikationsnedsættelse",
            "Multipel funktionsnedsættelse",
        }
    ),
    "physical": frozenset(
        {
            "Mobilitetsnedsættelse",
            "Anden fysisk funktionsnedsættelse",
            "Multipel funktionsnedsættelse",
            "Sjældent forekommende funktionsnedsættelse",
            "Kommunikationsnedsættelse",
            "Medfødt hjerneskade",
        }
    ),
    "brain": frozenset(
        {
            "Erhvervet hjerneskade",
            "Medfødt hjerneskade",
            "Kommunikationsnedsættelse",
            "Anden intellektuel/kognitiv forstyrrelse",
        }
    ),
    "intellectual": frozenset(
        {
            "Udviklingshæmning",
            "Anden intellektuel/kognitiv forstyrrelse",
            "Multipel funktionsnedsættelse",
            "Autismespektrum",
            "Medfødt hjerneskade",
            "Udadreagerende adfærd",
            "Demens",
        }
    ),
    "neurodevelopmental": frozenset(
        {
            "Autismespektrum",
            "Opmærksomhedsforstyrrelse",
            "Udviklingsforstyrrelse af sansemotoriske færdigheder",
            "Udviklingsforstyrrelse af skolefærdigheder",
            "Udviklingsforstyrrelse af tale og sprog",
            "Anden udviklingsforstyrrelse",
            "Angst",
            "Selvskadende adfærd",
            "Udadreagerende adfærd",
        }
    ),
    "psychiatric": frozenset(
        {
            "Angst",
            "Depression",
            "Forandret virkelighedsopfattelse",
            "Personlighedsforstyrrelse",
            "Stressbelastning",
            "Anden psykisk vanskelighed",
            "Spiseforstyrrelse",
            "Selvskadende adfærd",
            "Selvmordstanker eller -forsøg",
            "Social isolation",
        }
    ),
    "children_in_care": frozenset(
        {
            "Tilknytningsforstyrrelse",
            "Omsorgssvigt",
            "Seksuelt overgreb",
            "Voldeligt overgreb",
            "Andet overgreb",
            "Indadreagerende adfærd",
            "Udadreagerende adfærd",
        }
    ),
    "sentenced": frozenset(
        {
            "Udviklingshæmning",
            "Personfarlig kriminalitet",
            "Ikke-personfarlig kriminalitet",
            "Seksuelt krænkende adfærd",
            "Udadreagerende adfærd",
        }
    ),
    "substance_use": frozenset(
        {
            "Alkoholmisbrug",
            "Stofmisbrug",
            "Hjemløshed",
            "Social isolation",
            "Andet socialt problem",
        }
    ),
    "marginalised": frozenset(
        {
            "Hjemløshed",
            "Prostitution",
            "Social isolation",
            "Andet socialt problem",
            "Stofmisbrug",
            "Voldeligt overgreb",
            "Andet overgreb",
        }
    ),
}
CHILDREN_ONLY = frozenset(
    {
        "Tilknytningsforstyrrelse",
        "Omsorgssvigt",
        "Udviklingsforstyrrelse af sansemotoriske færdigheder",
        "Udviklingsforstyrrelse af skolefærdigheder",
        "Udviklingsforstyrrelse af tale og sprog",
    }
)
ADULTS_ONLY = frozenset({"Demens", "Hjemløshed", "Prostitution", "Alkoholmisbrug", "Stofmisbrug"})
INDEX = (0.015, 0.035)  # next year's prices: this year's indexed by 1.5-3.5%


def family_of(label: str) -> frozenset[str]:
    """Every group that shares a family with ``label`` (itself included)."""
    found = [members for members in FAMILIES.values() if label in members]
    return frozenset().union(*found) if found else frozenset({label})


def fits_segment(label: str, segment: str) -> bool:
    if segment == "adults":
        return label not in CHILDREN_ONLY
    return label not in ADULTS_ONLY


def companions(rng: random.Random, primary: str, segment: str, count: int) -> list[str]:
    """Up to ``count`` groups a case handler would pair with ``primary`` on such an offer."""
    pool = sorted(g for g in family_of(primary) if g != primary and fits_segment(g, segment))
    return rng.sample(pool, k=min(count, len(pool)))


def fits(groups: list[str], segment: str) -> bool:
    """The groups pair with the first (the primary) and fit the age segment."""
    family = family_of(groups[0])
    return all(g in family and fits_segment(g, segment) for g in groups)


def is_acute_or_respite(bases: list[str], takes_acute: bool) -> bool:
    return takes_acute or bool(ACUTE_OR_RESPITE & set(bases))


def band_applies(category: str, unit: str) -> bool:
    return category in PLACE_CATEGORIES and unit in PLACE_UNITS


def overhead(rng: random.Random, region: str) -> Decimal:
    """Within the demo agreement's cap: 4.5%, or up to 6% (advisory) in Hovedstaden."""
    choices = (40, 45, 50, 55, 60) if region == "1084" else (35, 40, 45)
    return Decimal(rng.choice(choices)) / 10


def occupancy(
    rng: random.Random, category: str, unit: str, acute_or_respite: bool, lower: int | None
) -> Decimal:
    """Budgeted occupancy in the band where the band applies, the special condition's where
    one was approved."""
    if lower is not None:
        return Decimal(lower)
    if band_applies(category, unit) and not acute_or_respite:
        return Decimal(rng.choice((95, 96, 97, 98)))
    return Decimal(rng.choice((90, 92, 95, 96, 98)))


def indexed(amount: Decimal, factor: float) -> Decimal:
    return Decimal(round(float(amount) * factor))
