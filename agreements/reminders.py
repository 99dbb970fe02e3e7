"""The regional registry's calendar work: reminders of its deadlines and of offers at risk,
emitted as outbox events by the daily tick.

- a council approval deadline approaching (at each lead time of ``REMIND_DEADLINE_DAYS``)
  and passed, for the region's steering group and the parties whose council has not decided;
- a report deadline of a central announcement approaching and passed, for each region's
  steering group that has not submitted its report;
- next year's price list missing after the day the agreement in force sets
  (``price_lists_due``), for the provider of each public offer of the region without one;
- an offer at risk as the gap analysis judges it (occupancy below the agreement's band at
  the last month-ends, a unique offer, the emergency track), for the provider and the
  region's steering group, once a month while it lasts.

Each reminder has a dedupe key naming the object, the event, the date and the lead time,
unique in the outbox: running the tick again, or two workers ticking at once, reminds no one
twice (see ``marketplace.notifications.outbox``)."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from typing import Any

from agreements.announcements.models import AnnouncementStatus, ReportStatus
from agreements.announcements.tables import CentralAnnouncement, RegionalReport
from agreements.frameworks import service as frameworks
from agreements.frameworks.approvals import counting_by_party
from agreements.frameworks.models import AgreementStatus
from agreements.frameworks.tables import Agreement, AgreementParty
from agreements.gaps.service import OfferFigures, month_ends, offers_at_risk
from marketplace.core.identity import SYSTEM
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import UnitOfWork, write_transaction
from marketplace.notifications.models import EventKind, lead_time
from marketplace.offers.models import OfferStatus, UniqueOfferStatus
from marketplace.offers.tables import Offer, PriceList
from marketplace.organisations.reference import region_records
from marketplace.organisations.tables import OwnerType


def _deadline(
    deadline: datetime.date, day: datetime.date, soon: EventKind, passed: EventKind, key: str
) -> tuple[EventKind, str, dict[str, Any]] | None:
    """Which reminder of a deadline is due on ``day``, if any: its kind, dedupe key (the
    lead time in it) and payload."""
    days_left = (deadline - day).days
    payload: dict[str, Any] = {"deadline": str(deadline)}
    if days_left < 0:
        return passed, f"{key}:{deadline}:passed", payload
    lead = lead_time(days_left, get_settings().remind_deadline_days)
    if lead is None:
        return None
    return soon, f"{key}:{deadline}:{lead}", {**payload, "daysLeft": days_left}


def _horizon(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=max(get_settings().remind_deadline_days, default=0))


async def remind_approvals(day: datetime.date) -> int:
    """Agreements sent for approval whose approval deadline is near or passed: remind the
    steering group and the parties still without a counting decision."""
    rows: list[dict[str, Any]] = (
        await Agreement.select(
            Agreement.id, Agreement.region, Agreement.approval_deadline, Agreement.revision
        )
        .where(
            (Agreement.status == AgreementStatus.SENT_FOR_APPROVAL.value)
            & Agreement.approval_deadline.is_not_null()
            & (Agreement.approval_deadline <= _horizon(day))
        )
        .run()
    )
    if not rows:
        return 0
    ids = [row["id"] for row in rows]
    decisions = await frameworks.decisions_by_agreement(ids)
    parties: dict[uuid.UUID, list[str]] = defaultdict(list)
    for party in (
        await AgreementParty.select(AgreementParty.agreement, AgreementParty.party)
        .where(AgreementParty.agreement.is_in(ids))
        .run()
    ):
        parties[party["agreement"]].append(party["party"])
    async with write_transaction(SYSTEM, "remindersSend") as unit:
        for row in rows:
            decided = counting_by_party(decisions.get(row["id"], []))
            missing = sorted(p for p in parties[row["id"]] if p not in decided)
            due = _deadline(
                row["approval_deadline"],
                day,
                EventKind.APPROVAL_DEADLINE_SOON,
                EventKind.APPROVAL_DEADLINE_PASSED,
                f"approval:{row['id']}:{row['revision']}",
            )
            if due is None or not missing:
                continue
            kind, key, payload = due
            unit.emit(
                kind,
                [row["region"], *missing],
                {"agreement": row["id"]},
                payload={**payload, "missing": len(missing)},
                dedupe_key=key,
            )
    return unit.events_written


async def remind_reports(day: datetime.date) -> int:
    """Open central announcements whose report deadline is near or passed: remind each
    region's steering group that has not submitted its report."""
    announcements: list[dict[str, Any]] = (
        await CentralAnnouncement.select(
            CentralAnnouncement.id, CentralAnnouncement.report_deadline
        )
        .where(
            (CentralAnnouncement.status == AnnouncementStatus.OPEN.value)
            & CentralAnnouncement.report_deadline.is_not_null()
            & (CentralAnnouncement.report_deadline <= _horizon(day))
        )
        .run()
    )
    if not announcements:
        return 0
    reports = {
        (r["announcement"], r["region"]): r
        for r in await RegionalReport.select(
            RegionalReport.id,
            RegionalReport.announcement,
            RegionalReport.region,
            RegionalReport.status,
        )
        .where(RegionalReport.announcement.is_in([a["id"] for a in announcements]))
        .run()
    }
    async with write_transaction(SYSTEM, "remindersSend") as unit:
        for announcement in announcements:
            for region in sorted(region_records()):
                report = reports.get((announcement["id"], region))
                if report is not None and report["status"] == ReportStatus.SUBMITTED.value:
                    continue
                _remind_report(unit, announcement, region, report, day)
    return unit.events_written


def _remind_report(
    unit: UnitOfWork,
    announcement: dict[str, Any],
    region: str,
    report: dict[str, Any] | None,
    day: datetime.date,
) -> None:
    due = _deadline(
        announcement["report_deadline"],
        day,
        EventKind.REPORT_DEADLINE_SOON,
        EventKind.REPORT_DEADLINE_PASSED,
        f"report:{announcement['id']}:{region}",
    )
    if due is None:
        return
    kind, key, payload = due
    subjects: dict[str, uuid.UUID | str] = {"centralAnnouncement": announcement["id"]}
    if report is not None:
        subjects["regionalReport"] = report["id"]
    unit.emit(kind, [region], subjects, payload=payload, dedupe_key=key)


async def remind_price_lists(day: datetime.date) -> int:
    """After the day the agreement in force sets for next year's price lists, remind the
    provider of each of the region's published public offers without one."""
    due_on: dict[str, tuple[uuid.UUID, datetime.date]] = {}
    for region, agreement in (
        await frameworks.agreements_in_force(list(region_records()), day)
    ).items():
        found = await frameworks.rules_on(agreement, day)
        due = found.rules.price_lists_due_in(day.year) if found else None
        if due is not None and day > due:
            due_on[region] = (agreement.id, due)
    if not due_on:
        return 0
    offers: list[dict[str, Any]] = (
        await Offer.select(
            Offer.id,
            Offer.provider._.org_code.as_alias("provider_org"),
            Offer.municipality._.region.as_alias("region"),
        )
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & Offer.municipality._.region.is_in(sorted(due_on))
            & (Offer.provider._.owner_type != OwnerType.PRIVATE.value)
        )
        .run()
    )
    priced = set(
        await PriceList.select(PriceList.offer)
        .where(PriceList.offer.is_in([o["id"] for o in offers] or [uuid.uuid4()]))
        .where(PriceList.year == day.year + 1)
        .output(as_list=True)
        .run()
    )
    async with write_transaction(SYSTEM, "remindersSend") as unit:
        for offer in offers:
            if offer["id"] in priced:
                continue
            agreement_id, due = due_on[offer["region"]]
            unit.emit(
                EventKind.PRICE_LIST_MISSING,
                [offer["provider_org"]],
                {"offer": offer["id"], "agreement": agreement_id},
                payload={"year": day.year + 1, "dueOn": str(due)},
                dedupe_key=f"price-list:{offer['id']}:{day.year + 1}",
            )
    return unit.events_written


def _reasons(offer: OfferFigures) -> list[str]:
    reasons = []
    if offer.low_occupancy:
        reasons.append("low_occupancy")
    if offer.unique_status == UniqueOfferStatus.EMERGENCY_TRACK.value:
        reasons.append("emergency_track")
    elif offer.unique_status == UniqueOfferStatus.REINFORCED_COOPERATION.value:
        reasons.append("reinforced_cooperation")
    return reasons


async def remind_offers_at_risk(day: datetime.date) -> int:
    """The offers the gap analysis finds at risk, for the provider and the region's steering
    group: once per offer and month (the latest month-end judged)."""
    month_end = month_ends(day)[0]
    found = [
        (region, offer)
        for region in sorted(region_records())
        for offer in await offers_at_risk(region, day)
    ]
    if not found:
        return 0
    async with write_transaction(SYSTEM, "remindersSend") as unit:
        for region, offer in found:
            payload: dict[str, Any] = {"reasons": _reasons(offer), "monthEnd": str(month_end)}
            if offer.low_occupancy:
                payload["occupancyBp"] = offer.low_occupancy[-1]
                payload["bandMinBp"] = offer.band_min_bp
            unit.emit(
                EventKind.OFFER_AT_RISK,
                [offer.provider_org, region],
                {"offer": offer.offer_id},
                payload=payload,
                dedupe_key=f"at-risk:{offer.offer_id}:{month_end}",
            )
    return unit.events_written
