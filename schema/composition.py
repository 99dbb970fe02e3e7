"""The composition root: wires the packages' seams together, once per process.

The domain packages depend downwards only (``agreements`` on ``marketplace``; inside
``marketplace`` ``search`` on ``contracts`` on ``offers`` on ``organisations`` on ``core``).
Where a lower package needs an answer from a higher one, it declares a seam and this module
fills it:

- the regional agreements answer contracting's and pricing's rule questions
  (``marketplace.core.rules``);
- contracting answers how many of an offer's places are under contract
  (``marketplace.offers.places``);
- search finds the offers a need is sent to (``marketplace.contracts.needs``);
- the search index follows every unit of work's touched offers before it commits
  (``marketplace.core.unit_of_work``);
- the outbox: every unit of work's events are written (with their notifications and webhook
  deliveries) before it commits (``marketplace.notifications.outbox``);
- the calendar's steps (``marketplace.core.calendar``).

The app, the command line, the tests and the benchmarks call ``compose()`` before they work.
"""

from __future__ import annotations

from agreements import reminders as agreement_reminders
from agreements.frameworks import service as agreements
from agreements.frameworks.rulebook import AgreementRuleBook
from marketplace.contracts import capacity, needs, reminders, requests
from marketplace.contracts import service as contracts
from marketplace.core import calendar
from marketplace.core.rules import use_rule_book
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import before_commit
from marketplace.notifications import outbox
from marketplace.offers.places import use_contracted_places
from marketplace.search import index as search_index
from marketplace.search import needs as search_needs
from web import sessions as web_sessions


def compose() -> None:
    use_rule_book(AgreementRuleBook())
    use_contracted_places(capacity.peak_from)
    needs.use_offer_search(search_needs.offers_for_need)
    before_commit(search_index.refresh_touched)
    before_commit(outbox.write_events)
    calendar.daily("placement requests expired", requests.expire_due)
    calendar.daily("placement needs closed", needs.close_due)
    calendar.daily("contracts ended", contracts.end_due)
    calendar.daily("agreements expired", agreements.expire_due)
    calendar.daily("reminders sent", reminders.remind_due)
    calendar.daily("council approval deadlines reminded", agreement_reminders.remind_approvals)
    calendar.daily("report deadlines reminded", agreement_reminders.remind_reports)
    calendar.daily("missing price lists reminded", agreement_reminders.remind_price_lists)
    calendar.daily("offers at risk reported", agreement_reminders.remind_offers_at_risk)
    calendar.daily("search documents brought up to the day", search_index.refresh_stale)
    calendar.daily("web sessions ended", lambda _day: web_sessions.purge_expired(get_settings()))
