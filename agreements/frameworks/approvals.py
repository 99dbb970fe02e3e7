"""Which council decisions count, and which came late (pure functions, no database).

The project's rule for revisions and reconsiderations:

- A council may reconsider: a later decision of the same party replaces its earlier one (the
  earlier one stays in the history). A reconsideration is dated after the decision it
  replaces.
- Each decision is made on a revision of the agreement. A substantive revision (one that
  changes the period, the vision, the focus areas or the rules) starts the approvals again:
  decisions made on earlier revisions stay in the history but no longer count. An editorial
  revision (name, steering group, deadline, documents, milestones) keeps them.
- A decision dated after the approval deadline is late by the days between them; it still
  counts (the councils decide, the deadline is the steering group's plan), and is flagged.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from agreements.frameworks.models import Decision, DecisionView


def days_late(day: datetime.date | None, deadline: datetime.date | None) -> int | None:
    """Days ``day`` lies after ``deadline`` (None when on time or without a deadline)."""
    if day is None or deadline is None or day <= deadline:
        return None
    return (day - deadline).days


def holding(
    decisions: Sequence[DecisionView], approvals_from: int, deadline: datetime.date | None
) -> list[DecisionView]:
    """Every decision, in order, each marked with whether it counts and how late it came."""
    latest: dict[str, DecisionView] = {}
    for decision in decisions:
        if decision.revision < approvals_from:
            continue
        held = latest.get(decision.party)
        if held is None or (decision.decided_on, decision.recorded_at) >= (
            held.decided_on,
            held.recorded_at,
        ):
            latest[decision.party] = decision
    counting = {id(d) for d in latest.values()}
    return [
        d.model_copy(
            update={
                "counts": id(d) in counting,
                "days_late": days_late(d.decided_on, deadline),
            }
        )
        for d in decisions
    ]


def counting_by_party(decisions: Sequence[DecisionView]) -> dict[str, Decision]:
    """The decision that counts for each party (of decisions marked by ``holding``)."""
    return {d.party: d.decision for d in decisions if d.counts}
