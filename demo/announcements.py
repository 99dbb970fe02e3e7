"""The six central announcements of DOMAIN.md section (d), with what became of them, and
North Jutland's reports of 2020 on the three announcements of 2019-2020 (seed 003). Dates the
sources give only as a month or a season are the first of that month, and say so."""

from __future__ import annotations

import datetime
from typing import Any

from agreements.announcements import service
from agreements.announcements.models import AnnouncementCreate, ReportCreate
from agreements.announcements.tables import CentralAnnouncement, RegionalReport
from marketplace.core.identity import SYSTEM
from marketplace.offers.tables import Offer
from marketplace.offers.taxonomy import target_group_records


def _codes(*labels: str) -> list[str]:
    by_label = {r.label_da: r.code for r in target_group_records()}
    return [by_label[label] for label in labels]


def _document(path: str) -> dict[str, str]:
    return {
        "title": "Socialstyrelsen / Social- og Boligstyrelsen",
        "url": f"https://www.sbst.dk/udgivelser/{path}",
    }


def announcements() -> list[dict[str, Any]]:
    return [
        {
            "issuer": "Socialstyrelsen",
            "issued_on": datetime.date(2014, 11, 1),
            "title": "Voksne med kompleks erhvervet hjerneskade",
            "target_groups": _codes("Erhvervet hjerneskade"),
            "small_group": True,
            "complex_needs": True,
            "estimate_low": 350,
            "estimate_high": 450,
            "estimate_note": "Senere opgjort til ca. 800 borgere i 33 benyttede tilbud.",
            "report_deadline": datetime.date(2016, 3, 1),
            "status": "assessed_sufficient",
            "outcome": "Vurderet tilstrækkeligt udbud og koordinering.",
            "documents": [_document("2014/voksne-med-kompleks-erhvervet-hjerneskade")],
        },
        {
            "issuer": "Socialstyrelsen",
            "issued_on": datetime.date(2014, 11, 1),
            "title": "Børn og unge 0-17 år med alvorlig synsnedsættelse",
            "target_groups": _codes("Synsnedsættelse"),
            "small_group": True,
            "complex_needs": True,
            "estimate_low": 579,
            "estimate_high": 579,
            "estimate_note": "Fokus på specialundervisning.",
            "report_deadline": datetime.date(2016, 3, 1),
            "status": "assessed_sufficient",
            "outcome": "2017: vurderet tilstrækkeligt; opfølgning efteråret 2017.",
            "documents": [_document("2014/boern-og-unge-med-alvorlig-synsnedsaettelse")],
        },
        {
            "issuer": "Socialstyrelsen",
            "issued_on": datetime.date(2019, 11, 1),
            "title": "Borgere med udviklingshæmning og dom med behov for anbringelse i sikret afdeling",
            "target_groups": _codes("Udviklingshæmning", "Personfarlig kriminalitet"),
            "small_group": True,
            "complex_needs": True,
            "estimate_note": "Udstedt november 2019 (dato: den 1.).",
            "report_deadline": datetime.date(2020, 10, 1),
            "status": "renewed_consideration",
            "outcome": "Afrapporteret efteråret 2020; fornyet behandling 2024.",
            "documents": [_document("2020/borgere-med-udviklingshaemning-og-dom")],
        },
        {
            "issuer": "Socialstyrelsen",
            "issued_on": datetime.date(2019, 12, 1),
            "title": (
                "Udsatte gravide med skadeligt rusmiddelbrug og behov for højt specialiseret "
                "døgnbehandling"
            ),
            "target_groups": _codes("Stofmisbrug", "Alkoholmisbrug"),
            "small_group": True,
            "complex_needs": True,
            "estimate_note": "Udstedt november/december 2019 (dato: 1. december).",
            "report_deadline": datetime.date(2020, 10, 1),
            "status": "renewed_consideration",
            "outcome": (
                "Fortsat bekymring; fornyet behandling maj 2024 med ønske om ét "
                "døgnbehandlingstilbud pr. region."
            ),
        },
        {
            "issuer": "Socialstyrelsen",
            "issued_on": datetime.date(2020, 1, 1),
            "title": (
                "Børn, unge og voksne med svære spiseforstyrrelser og behov for højt "
                "specialiserede socialt rehabiliterende indsatser"
            ),
            "target_groups": _codes("Spiseforstyrrelse"),
            "small_group": True,
            "complex_needs": True,
            "estimate_note": "Udstedt 2019/2020 (dato: 1. januar 2020).",
            "report_deadline": datetime.date(2020, 11, 30),
            "status": "reports_received",
            "outcome": "Afrapporteret sammen med Nordjysk Socialaftale 2021-2022.",
        },
        {
            "issuer": "Social- og Boligstyrelsen",
            "issued_on": datetime.date(2022, 9, 1),
            "title": "Punktskriftindsatser til børn og unge med alvorlig synsnedsættelse",
            "target_groups": _codes("Synsnedsættelse"),
            "small_group": True,
            "complex_needs": True,
            "estimate_low": 56,
            "estimate_high": 56,
            "estimate_note": "732 med isoleret synsnedsættelse, heraf 56 med behov for punktskrift.",
            "report_deadline": datetime.date(2023, 7, 1),
            "status": "assessed_sufficient",
            "outcome": "2024: vurderet tilstrækkeligt.",
            "documents": [_document("2022/punktskriftindsatser")],
        },
    ]


NORTH_REPORTS: dict[str, dict[str, Any]] = {
    "Borgere med udviklingshæmning og dom med behov for anbringelse i sikret afdeling": {
        # seed 003: overall sufficient supply, with a possible need to look into a new offer
        "assessment": "sufficient",
        "challenges": (
            "Overordnet tilstrækkeligt udbud i Nordjylland. Der kan være behov for at undersøge "
            "muligheden for et nyt tilbud i Vestdanmark, som "
            "kan tilbyde sikrede pladser til borgere med udviklingshæmning og dom, med "
            "opmærksomhed på at den samlede kapacitet på landsplan skal matche behovet."
        ),
        "offers": [],
    },
    "Udsatte gravide med skadeligt rusmiddelbrug og behov for højt specialiseret døgnbehandling": {
        "assessment": "sufficient",
        "challenges": "Overordnet tilstrækkeligt udbud i Nordjylland.",
        "offers": [],
    },
    (
        "Børn, unge og voksne med svære spiseforstyrrelser og behov for højt specialiserede "
        "socialt rehabiliterende indsatser"
    ): {
        "assessment": "sufficient",
        "challenges": "Overordnet tilstrækkeligt udbud i Nordjylland.",
        "offers": ["Spiseforstyrrelsescentret Nord"],
    },
}
NORTH_COORDINATION = (
    "De nordjyske kommuner har i samarbejde med Region Nordjylland udarbejdet afrapporteringen; "
    "den er bilag til Nordjysk Socialaftale 2021-2022 og behandlet i DAS og KKR."
)


async def seed_demo_announcements() -> int:
    """Add the announcements and North Jutland's 2020 reports that are missing."""
    added = 0
    for data in announcements():
        exists = (
            await CentralAnnouncement.exists()
            .where(CentralAnnouncement.title == data["title"])
            .run()
        )
        if exists:
            continue
        await service.create_announcement(
            SYSTEM, AnnouncementCreate.model_validate(data), is_demo=True
        )
        added += 1
    for title, content in NORTH_REPORTS.items():
        announcement = (
            await CentralAnnouncement.select(CentralAnnouncement.id)
            .where(CentralAnnouncement.title == title)
            .first()
            .run()
        )
        if announcement is None:
            continue
        done = (
            await RegionalReport.exists()
            .where(
                (RegionalReport.announcement == announcement["id"])
                & (RegionalReport.region == "1081")
            )
            .run()
        )
        if done:
            continue
        offer_ids = [
            row["id"]
            for row in await Offer.select(Offer.id)
            .where(Offer.name.is_in(content["offers"] or [""]))
            .run()
        ]
        report = await service.create_report(
            SYSTEM,
            announcement["id"],
            ReportCreate(
                region_code="1081",
                assessment=content["assessment"],
                offer_ids=offer_ids,
                challenges=content["challenges"],
                coordination_model=NORTH_COORDINATION,
                planned_initiatives=(
                    "Undersøge styrket indsats til børn og unge med svært selvskadende adfærd."
                ),
            ),
        )
        await service.submit_report(SYSTEM, report.id)
        # submitted with the agreement, in the autumn of 2020
        await (
            RegionalReport.update({RegionalReport.submitted_on: datetime.date(2020, 11, 30)})
            .where(RegionalReport.id == report.id)
            .run()
        )
        added += 1
    return added


def planned_announcement_count() -> int:
    return len(announcements()) + len(NORTH_REPORTS)
