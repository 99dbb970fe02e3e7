"""One unit of work per change: the transaction, what it changed, and the side effects.

Every writer (GraphQL, REST, the web pages, the command line and the calendar) changes data
inside ``write_transaction(actor, operation)``. The unit collects what the change touched:

- ``track(object_type, object_id, load)``: an object the operation changes or makes; its
  state is read now (``before``) and again just before the commit (``after``) with ``load``;
- ``touch_offer(offer_id, text=...)``: an offer whose search document (and, with ``text``,
  its search terms) must follow the change;
- ``emit(kind, orgs, subjects, ...)``: an event for the organisations concerned (the
  transactional outbox, see ``marketplace.notifications``): written in the same transaction
  as the change, so the change and its event are saved together or not at all.

Just before the commit, the unit runs the side effects registered with ``before_commit``
(the search index refreshes each touched offer once) and appends one audit record per
tracked object, by the unit's actor, under its operation (see ``marketplace.core.audit``).
A failure anywhere rolls all of it back: the change, the index and the records.

Units nest: a ``write_transaction`` inside another joins it, and what it tracks is recorded
under the outer unit's actor and operation.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from marketplace.core import audit
from marketplace.core.db import engine
from marketplace.core.identity import SYSTEM, Principal

V = TypeVar("V")


@dataclass
class Tracked(Generic[V]):
    """An object a unit of work changes: its state before, and how to read it after."""

    object_type: str
    object_id: str
    before: Any
    load: Callable[[], Awaitable[V | None]] | None
    after: V | None = None

    @property
    def result(self) -> V:
        """The object's state after the change (read just before the commit)."""
        assert self.after is not None, f"{self.object_type} {self.object_id} cannot be read"
        return self.after


@dataclass(frozen=True)
class Event:
    """Something that happened, for the organisations concerned (see ``UnitOfWork.emit``)."""

    id: uuid.UUID
    kind: str
    orgs: tuple[str, ...]
    subjects: dict[str, str]
    case_reference: str | None
    payload: dict[str, Any]
    addressed: dict[str, str] = field(default_factory=dict)
    dedupe_key: str | None = None
    actor_org: str | None = None


@dataclass
class UnitOfWork:
    actor: Principal
    operation: str
    tracked: list[Tracked[Any]] = field(default_factory=list)
    offers: dict[uuid.UUID, bool] = field(default_factory=dict)  # offer -> its text changed
    events: list[Event] = field(default_factory=list)
    # how many of the events the outbox wrote (one already recorded under its key is not)
    events_written: int = 0

    def emit(
        self,
        kind: str,
        orgs: Iterable[str],
        subjects: Mapping[str, uuid.UUID | str],
        *,
        case_reference: str | None = None,
        payload: Mapping[str, Any] | None = None,
        addressed: Mapping[str, str] | None = None,
        dedupe_key: str | None = None,
    ) -> Event:
        """Record an event of ``kind`` for the organisations ``orgs`` (codes) about the
        objects ``subjects`` (role -> id). Events name IDs, the buyer's case reference and
        plain facts (``payload``) only, never a citizen's CPR number or name. An event with
        a ``dedupe_key`` already recorded is not recorded again (the calendar's reminders);
        ``addressed`` names the one person (subject) of an organisation it is for."""
        event = Event(
            id=uuid.uuid4(),
            kind=kind,
            orgs=tuple(dict.fromkeys(o for o in orgs if o and o != "system")),
            subjects={k: str(v) for k, v in subjects.items()},
            case_reference=case_reference,
            payload=dict(payload or {}),
            addressed=dict(addressed or {}),
            dedupe_key=dedupe_key,
            actor_org=self.actor.org_code if self.actor.org_code != "system" else None,
        )
        self.events.append(event)
        return event

    async def track(
        self,
        object_type: str,
        object_id: uuid.UUID | str,
        load: Callable[[], Awaitable[V | None]] | None,
        *,
        before: Any = None,
        new: bool = False,
    ) -> Tracked[V]:
        """Follow an object through the change. Its state before is read with ``load`` now,
        unless it is ``new`` or ``before`` is given (another object it replaces); its state
        after is read with ``load`` just before the commit (``Tracked.after``)."""
        if before is None and not new and load is not None:
            before = await load()
        item: Tracked[V] = Tracked(object_type, str(object_id), before, load)
        self.tracked.append(item)
        return item

    def touch_offer(self, offer_id: uuid.UUID, *, text: bool = False) -> None:
        """The offer's search document (and with ``text`` its terms) must follow the change."""
        self.offers[offer_id] = self.offers.get(offer_id, False) or text

    async def _finish(self) -> None:
        for item in self.tracked:
            if item.load is not None:
                item.after = await item.load()
        deferred = _deferred_offers.get()
        if deferred is not None:  # inside all_or_nothing(): refreshed once at its end
            for offer_id, text in self.offers.items():
                deferred[offer_id] = deferred.get(offer_id, False) or text
            self.offers = {}
        for hook in _BEFORE_COMMIT:
            await hook(self)
        for item in self.tracked:
            await audit.append(
                self.actor,
                self.operation,
                item.object_type,
                item.object_id,
                _state(item.before),
                _state(item.after),
            )


def _state(found: Any) -> Any:
    """What a digest is made of: a view's fields, or the value itself."""
    dump = getattr(found, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if dataclasses.is_dataclass(found) and not isinstance(found, type):
        return dataclasses.asdict(found)
    return found


BeforeCommit = Callable[[UnitOfWork], Awaitable[None]]
_BEFORE_COMMIT: list[BeforeCommit] = []


def before_commit(hook: BeforeCommit) -> None:
    """Run ``hook`` in every unit of work just before it commits (once, however often it is
    registered). The composition root registers the side effects of the packages above
    ``marketplace.core`` (the search index)."""
    if hook not in _BEFORE_COMMIT:
        _BEFORE_COMMIT.append(hook)


_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


def current() -> UnitOfWork | None:
    """The unit of work the caller runs in, if any."""
    return _current.get()


def _transaction() -> Any:
    """A database transaction for work that writes. On SQLite it begins IMMEDIATE, so the
    write lock is taken up front and two writers never both upgrade from readers and fail
    with "database is locked". Inside another transaction it joins that one."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


@asynccontextmanager
async def write_transaction(
    actor: Principal | None = None, operation: str = "change"
) -> AsyncIterator[UnitOfWork]:
    """Open a unit of work (or join the one the caller runs in) for ``actor``'s
    ``operation``; the service itself is the actor when none is named."""
    outer = _current.get()
    if outer is not None:
        async with _transaction():
            yield outer
        return
    unit = UnitOfWork(actor or SYSTEM, operation)
    token = _current.set(unit)
    try:
        async with _transaction():
            yield unit
            await unit._finish()
    finally:
        _current.reset(token)


_deferred_offers: ContextVar[dict[uuid.UUID, bool] | None] = ContextVar(
    "deferred_offers", default=None
)


@asynccontextmanager
async def all_or_nothing() -> AsyncIterator[None]:
    """A database transaction around several units of work (a bulk import): each unit joins
    it, so one failure, or a dry run's end, rolls every unit back. The offers the units touch
    have their search documents refreshed once, in batches, at the end (each unit's audit
    records are written as usual). Not to be opened inside a unit of work."""
    assert _current.get() is None, "all_or_nothing() opens no transaction inside a unit of work"
    touched: dict[uuid.UUID, bool] = {}
    token = _deferred_offers.set(touched)
    try:
        async with _transaction():
            yield
            _deferred_offers.set(None)
            if touched:
                batch = UnitOfWork(SYSTEM, "bulk")
                batch.offers = touched
                for hook in _BEFORE_COMMIT:
                    await hook(batch)
    finally:
        _deferred_offers.reset(token)
