"""The offer taxonomies: legal bases (an enum), target groups and service types (data).

Shipped as package data under ``data/``:
- ``legal_bases.csv``: paragraphs of Serviceloven, Barnets lov and related acts, each with its
  supervising authority and the kind of offer it belongs to (see data/SOURCES.md upstream);
- ``target_groups.csv``: KL's FFB target groups (KLTargetGroupsFFB, 45 leaf codes) with Danish
  labels and English glosses;
- ``service_types.csv``: Tilbudsportalen's 12 service types (ydelsestyper).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files


class LegalBasis(StrEnum):
    """A paragraph an offer is approved under. Values are the codes of legal_bases.csv."""

    SEL_82A = "SEL-82a"
    SEL_82B = "SEL-82b"
    SEL_82D = "SEL-82d"
    SEL_83 = "SEL-83"
    SEL_84 = "SEL-84"
    SEL_85 = "SEL-85"
    SEL_86 = "SEL-86"
    SEL_101 = "SEL-101"
    SEL_101A = "SEL-101a"
    SEL_103 = "SEL-103"
    SEL_104 = "SEL-104"
    SEL_107 = "SEL-107"
    SEL_108 = "SEL-108"
    SEL_109 = "SEL-109"
    SEL_110 = "SEL-110"
    SEL_192 = "SEL-192"
    SEL_66 = "SEL-66"
    SEL_66_1_5 = "SEL-66-1-5"
    SEL_66_1_6 = "SEL-66-1-6"
    SEL_67 = "SEL-67"
    SEL_32 = "SEL-32"
    SEL_36 = "SEL-36"
    STL_4_1_3 = "STL-4-1-3"
    SUL_141 = "SUL-141"
    ABL_105 = "ABL-105"
    FPL_1 = "FPL-1"
    BL_32 = "BL-32"
    BL_32_1_3 = "BL-32-1-3"
    BL_32_1_5 = "BL-32-1-5"
    BL_32_1_6 = "BL-32-1-6"
    BL_32_1_7 = "BL-32-1-7"
    BL_33 = "BL-33"
    BL_42 = "BL-42"
    BL_43 = "BL-43"
    BL_43_1_1 = "BL-43-1-1"
    BL_43_1_2 = "BL-43-1-2"
    BL_43_1_3 = "BL-43-1-3"
    BL_43_1_4 = "BL-43-1-4"
    BL_43_1_5 = "BL-43-1-5"
    BL_43_1_6 = "BL-43-1-6"
    BL_43_1_7 = "BL-43-1-7"
    BL_46 = "BL-46"
    BL_83 = "BL-83"
    BL_84 = "BL-84"


class SupervisingAuthority(StrEnum):
    SOCIALTILSYN = "socialtilsyn"
    MUNICIPALITY = "municipality"


class BasisKind(StrEnum):
    """What kind of offer a paragraph belongs to; ``support`` fits any kind."""

    RESIDENTIAL = "residential"
    DAY = "day"
    OUTPATIENT = "outpatient"
    SUPPORT = "support"


@dataclass(frozen=True, slots=True)
class LegalBasisInfo:
    basis: LegalBasis
    law: str
    paragraph: str
    title_da: str
    title_en: str
    kind: BasisKind
    authority: SupervisingAuthority
    # SEL §§ 83-85: supervised by the socialtilsyn when delivered in a residential setting
    # (botilbudslignende tilbud), otherwise by the municipality.
    socialtilsyn_when_residential: bool
    historical: bool
    authority_note: str


def _authority(text: str) -> tuple[SupervisingAuthority, bool]:
    lowered = text.lower()
    if lowered.startswith("socialtilsyn"):
        return SupervisingAuthority.SOCIALTILSYN, False
    if lowered.startswith("kommune") and "socialtilsyn" in lowered:
        return SupervisingAuthority.MUNICIPALITY, True
    return SupervisingAuthority.MUNICIPALITY, False


def _read(name: str) -> list[dict[str, str]]:
    text = files("marketplace.offers").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def legal_bases() -> dict[LegalBasis, LegalBasisInfo]:
    result = {}
    for row in _read("legal_bases.csv"):
        authority, conditional = _authority(row["supervising_authority"])
        basis = LegalBasis(row["code"])
        result[basis] = LegalBasisInfo(
            basis=basis,
            law=row["law"],
            paragraph=row["paragraph"],
            title_da=row["title_da"],
            title_en=row["title_en"],
            kind=BasisKind(row["category"]),
            authority=authority,
            socialtilsyn_when_residential=conditional,
            historical="historisk" in row["paragraph"] or "ophævet" in row["paragraph"],
            authority_note=row["supervising_authority"],
        )
    return result


@dataclass(frozen=True, slots=True)
class TargetGroupRecord:
    code: str
    label_da: str
    label_en: str
    group_da: str
    parent_label_da: str
    position: int


@cache
def target_group_records() -> tuple[TargetGroupRecord, ...]:
    return tuple(
        TargetGroupRecord(
            code=row["code"],
            label_da=row["label_da"],
            label_en=row["label_en"],
            group_da=row["group_da"],
            parent_label_da=row["parent_label_da"],
            position=i,
        )
        for i, row in enumerate(_read("target_groups.csv"))
    )


@dataclass(frozen=True, slots=True)
class ServiceTypeRecord:
    code: str
    label_da: str
    label_en: str
    position: int


@cache
def service_type_records() -> tuple[ServiceTypeRecord, ...]:
    return tuple(
        ServiceTypeRecord(
            code=row["code"], label_da=row["label_da"], label_en=row["label_en"], position=i
        )
        for i, row in enumerate(_read("service_types.csv"))
    )


# Terms providers often use for their methods and approaches; offered as suggestions
# together with the terms already in use.
METHOD_SUGGESTIONS: tuple[str, ...] = (
    "Anerkendende tilgang",
    "Housing First",
    "ICS - Integrated Children's System",
    "Kognitiv adfærdsterapi",
    "KRAP",
    "Low Arousal",
    "Marte Meo",
    "Mentaliseringsbaseret tilgang",
    "Miljøterapi",
    "Motiverende samtale",
    "Neuropædagogik",
    "Recovery-orienteret tilgang",
    "Relationspædagogik",
    "Social færdighedstræning",
    "Struktureret pædagogik (TEACCH)",
    "Totalkommunikation",
    "Traumebevidst omsorg",
    "Udviklingsstøttende tilgang",
)
