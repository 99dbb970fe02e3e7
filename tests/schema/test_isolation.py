"""Tenant isolation, generated from the schema.

Every query and mutation field that takes an ID (an argument of type ID, or a field of type ID
in an input object, at any depth) is called by callers of other organisations: a purchaser of
another municipality, a provider admin of another provider, the steering group of another
region, and an anonymous caller, with the IDs of a small world of objects that belong to
others. The fields to probe, and which type each ID names, come from the schema, so a new
field is probed without a new test; only the values of the other required arguments come
from a generic filler (a value per scalar and enum, and a few defaults keyed by GraphQL type
name).

What a stranger may read is decided once, in ``VISIBILITY`` (from the README). A read of what
a stranger may not see must answer nothing: null, an empty list, or an error coded
NOT_FOUND, PERMISSION_DENIED or UNAUTHENTICATED; the same read by the registry administrator
must answer something in at least one probe of each field and caller, or the refusals prove
nothing. A mutation must be refused with such a code and leave every table as it was; with
the arguments of at least one probe of each mutation, a party to what they name must get past
the refusals, or they prove nothing. No answer to a stranger may hold a private object's ID or
its citizen's details. A field that is not probed as every stranger, or an ID whose type the
world holds no object of, fails the test.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    Lexer,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_required_argument,
    parse,
)
from graphql import build_schema as schema_from_sdl
from graphql.pyutils import Undefined
from strawberry.relay import to_base64

from agreements.announcements import service as announcements
from agreements.announcements.models import AnnouncementCreate, Assessment, ReportCreate
from agreements.frameworks import service as frameworks
from agreements.frameworks.models import SpecialConditionApprove
from marketplace.contracts import followups, invoices, needs, proposals, refunds
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ContractChangeProposal,
    ContractDateAdd,
    ContractDateKind,
    CreditNoteIssue,
    FollowUpOutcome,
    FollowUpRecord,
    InvoiceIssue,
    PlacementNeedCreate,
    PlacementProposal,
    RefundClaimCreate,
)
from marketplace.core import audit
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.core.settings import get_settings
from marketplace.core.tables import AuditRecord, RateLimitWindow
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers import service as offers
from marketplace.organisations import service as organisations
from schema.graphql import build_schema
from schema.limits import operation_cost
from tests.agreements.world import MIDT_STEERING, NORD, NORD_STEERING, agreement_in_force
from tests.conftest import MUTABLE_TABLES, GraphQL, serve, token
from tests.factories import (
    REGISTRY_ADMIN,
    municipal_provider,
    offer_content,
    target_group_code,
)
from tests.marketplace.contracts.invoicing import backdate as begin_on
from tests.marketplace.contracts.world import (
    AALBORG,
    ENGLY_ADMIN,
    backdate,
    build_market,
    contract_for,
    request_place,
)

# --- who may read what ------------------------------------------------------------------------


class Seen(enum.Enum):
    ANYONE = "anyone, anonymous callers too"
    SIGNED_IN = "every signed-in user"
    PUBLISHED = "anyone while published; otherwise its provider's admins only"
    SUBMITTED = "every signed-in user once submitted; a draft its region's steering group only"
    PARTIES = "its parties only"
    AS_OBJECT = "whoever may see the object it is about"


# Every type a stranger might be given or shown, with who may read another organisation's
# object of that type (the registry administrator reads everything). A type missing here fails
# test_every_type_has_a_visibility_decision: decide it from the README before probing it.
VISIBILITY: dict[str, Seen] = {
    # README "Notifications": an organisation's notifications (and a person's own), webhook
    # endpoints and e-mail addresses are its own; to everyone else they do not exist.
    "Notification": Seen.PARTIES,
    "WebhookEndpoint": Seen.PARTIES,
    "EmailRecipient": Seen.PARTIES,
    "WebhookDelivery": Seen.PARTIES,
    "WebhookDeliveryAttempt": Seen.PARTIES,
    # README "Signing in": anonymous callers may read the public registry.
    "Region": Seen.ANYONE,
    "Municipality": Seen.ANYONE,
    "Provider": Seen.ANYONE,
    # README "Publishing an offer", step 5: purchasers and anonymous callers see published
    # offers only; a draft, suspended or closed offer is "not found" to everyone but its
    # provider's administrators and the registry administrator.
    "Offer": Seen.PUBLISHED,
    # README "Contracting a place", "Who sees what": a request or contract is seen by the
    # buying municipality's purchasers and the offer's provider administrators; to everyone
    # else it does not exist. A contract's changes and the statements of what a municipality
    # pays or a provider bills are the parties' too.
    "PlacementRequest": Seen.PARTIES,
    "Contract": Seen.PARTIES,
    "ContractChange": Seen.PARTIES,
    "PlacementProposal": Seen.PARTIES,
    "BillingStatement": Seen.PARTIES,
    # README "Contracting a place", "Who pays": a refund claim is seen by the purchasers of the
    # municipality that claims and of the one it claims from; to everyone else (the contract's
    # provider too) it does not exist.
    "RefundClaim": Seen.PARTIES,
    # README "Contracting a place", "One need, several offers": a need is seen by its buying
    # municipality's purchasers and by the providers it was sent to; an answer by the need's
    # buyer and the answering offer's provider; to everyone else they do not exist.
    "PlacementNeed": Seen.PARTIES,
    "NeedAnswer": Seen.PARTIES,
    # README "Notice, and withdrawing it" and "Follow-up, renegotiation and the case load":
    # a contract's follow-up and renegotiation dates and the follow-ups held are kept by the
    # buying municipality and seen by the provider; a case load holds the caller's own
    # placements. To everyone else they do not exist.
    "ContractDate": Seen.PARTIES,
    "ContractFollowUp": Seen.PARTIES,
    "CaseLoadItem": Seen.PARTIES,
    # README "Contracting a place", "Invoices and credit notes": an invoice and a credit note
    # are seen by the provider's administrators and the buying municipality's purchasers; to
    # everyone else they do not exist.
    "Invoice": Seen.PARTIES,
    "CreditNote": Seen.PARTIES,
    # README "Regional agreements": every signed-in user reads an agreement, with its approval
    # status, its rules (as applied to an offer) and the steering group's special conditions.
    "Agreement": Seen.SIGNED_IN,
    "AgreementApprovalStatus": Seen.SIGNED_IN,
    "ApplicableRules": Seen.SIGNED_IN,
    "SpecialConditionApproval": Seen.SIGNED_IN,
    # README "Central announcements and supply gaps": every signed-in user reads the
    # announcements and the submitted reports; a draft report is read (and written) by its
    # region's steering group only ("Security": a report draft is "not found" to others).
    "CentralAnnouncement": Seen.SIGNED_IN,
    "RegionalReport": Seen.SUBMITTED,
    # README "Security": the parties of an object read its trail (for a public object, the
    # records of the caller's own organisation only); auditRecords: registry admins.
    "AuditRecord": Seen.PARTIES,
    # README "Regional agreements", "The year's economics per offer": the offer's provider and
    # its region's steering group (every steering group for a national or supra-regional
    # offer) read an offer's year and its settlement.
    "OfferYearEconomics": Seen.PARTIES,
    # README "Open exchange: the change feed": a change is seen by whoever may see the object
    # it is about (public offers and providers by anyone, a request or contract by its parties).
    "Change": Seen.AS_OBJECT,
    # README "Open exchange: invoices as PEPPOL BIS Billing 3.0": an organisation's CVR and
    # EAN/GLN settings are read and set by its own users (and the registry administrator).
    "OrganisationSettings": Seen.PARTIES,
}

# Mutations a stranger may make with another organisation's public objects, by role. Probes
# of these with objects the caller may see are not sent (they would rightly change the data).
PUBLIC_USES: dict[str, frozenset[Role]] = {
    # README "Contracting a place": any municipality's purchaser asks a published offer for a
    # place ("Signing in": purchasers search, request and contract places for their citizens).
    "placementRequestCreate": frozenset({Role.PURCHASER}),
    # README "One need, several offers": any municipality's purchaser sends a need to
    # published offers.
    "placementNeedCreate": frozenset({Role.PURCHASER}),
}

Caller = tuple[str, Role] | None

# Callers that are parties to nothing in the world below. The world's parties: Aalborg (851,
# region 1081) buys, and claims a refund from Aarhus (751); Bostedet Engly ApS (43389424, in
# Horsens, region 1082) and Aalborg Kommune run the offers; region 1081's steering group keeps
# the agreement and a draft report, region 1082's has submitted its report.
STRANGERS: dict[str, Caller] = {
    "purchaser of 101 København": ("101", Role.PURCHASER),
    "provider_admin of 461 Odense Kommune": ("461", Role.PROVIDER_ADMIN),
    "steering of 1083 Syddanmark": ("1083", Role.STEERING),
    "anonymous": None,
}
ADMIN = ("1084", Role.REGISTRY_ADMIN)  # reads everything: the control of the reads
REFUSALS = frozenset({"NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED"})

# --- the filler for required arguments that are not IDs --------------------------------------

TODAY = today()
SCALARS: dict[str, Any] = {
    "String": "Isolationsprøve",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Date": TODAY.isoformat(),
    "DateTime": datetime.datetime.combine(TODAY, datetime.time(12), datetime.UTC).isoformat(),
    "Decimal": "1",
}
# By GraphQL type name (an input type, or Query/Mutation for a field's own arguments): values
# that make an input valid, and codes naming the world's parties, so that what a stranger is
# refused is acting on another's behalf rather than a malformed input.
DEFAULTS: dict[str, dict[str, Any]] = {
    "Query": {"month": TODAY.strftime("%Y-%m")},
    "RegionalReportCreateInput": {"regionCode": NORD},
    "CouncilDecisionRecordInput": {"partyCode": "851"},
    "SpecialConditionOptInInput": {"municipalityCode": "851"},
    "ContractChangeProposeInput": {"endDate": (TODAY + datetime.timedelta(days=30)).isoformat()},
    "UniqueOfferStatusSetInput": {"year": TODAY.year},
    "PriceListPublishInput": {"year": TODAY.year},
    "OfferYearSettleInput": {"year": TODAY.year - 1},  # a year that is over
    "RefundClaimCreateInput": {"debtorCode": "751"},
    "PlacementNeedCreateInput": {"targetGroups": [target_group_code("Autismespektrum")], "age": 20},
    "NoticeRuleInput": {"days": 30},  # days are optional in the input (not with MONTH_END)
    "InvoiceIssueInput": {"municipalityCode": "851", "month": "2026-03"},
    "DeliveredHoursReportInput": {"month": "2026-03", "hours": "1"},
}

# --- the schema -------------------------------------------------------------------------------


@cache
def graphql_schema() -> GraphQLSchema:
    return schema_from_sdl(build_schema(get_settings()).as_str())


def node_types() -> set[str]:
    schema = graphql_schema()
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    return {t.name for t in schema.get_possible_types(node)}


def result_type(field: GraphQLField) -> GraphQLNamedType:
    """The named type a field answers with; a connection's node type for a connection."""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType) and "edges" in named.fields:
        edge = get_named_type(named.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        return get_named_type(edge.fields["node"].type)
    return named


@dataclass(frozen=True)
class Slot:
    """A place in a field's arguments that takes an ID, and the type of object it names (None
    for any object: node(id:), auditTrail(objectId:))."""

    path: tuple[str, ...]
    names: str | None


@dataclass(frozen=True, eq=False)
class Operation:
    kind: str  # "query" or "mutation"
    name: str
    field: GraphQLField
    slots: tuple[Slot, ...]

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def result(self) -> GraphQLNamedType:
        return result_type(self.field)


def _id_paths(
    type_: GraphQLInputType, path: tuple[str, ...], seen: frozenset[str] = frozenset()
) -> Iterator[tuple[str, ...]]:
    """Where an argument of this type takes IDs: itself, or fields of its input objects."""
    named = get_named_type(type_)
    if named.name == "ID":
        yield path
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            yield from _id_paths(field.type, (*path, name), seen | {named.name})


def _named_by(kind: str, name: str, field: GraphQLField, path: tuple[str, ...]) -> str | None:
    """Which Node type the ID at ``path`` names: ``xyzId`` / ``xyzIds`` the type called Xyz
    (or ending in it), any object when there is none; ``id`` the object the field answers with
    (a query) or the one object its payload holds whose name begins the mutation's name."""
    nodes = node_types()
    last = path[-1]
    if last != "id":
        stem = re.sub(r"Ids?$", "", last)
        stem = stem[:1].upper() + stem[1:]
        if stem in nodes:
            return stem
        ending = sorted(n for n in nodes if n.endswith(stem))
        if len(ending) > 1:
            raise LookupError(f"{kind} {name}: {'.'.join(path)} may name any of {ending}")
        return ending[0] if ending else None
    if kind == "query":
        answer = result_type(field)
        if isinstance(answer, GraphQLInterfaceType):
            return None
        candidates = [answer.name]
    else:
        payload = get_named_type(field.type)
        assert isinstance(payload, GraphQLObjectType)
        candidates = [get_named_type(f.type).name for f in payload.fields.values()]
    found = sorted({c for c in candidates if c in nodes})
    pascal = name[:1].upper() + name[1:]
    prefixes = sorted((c for c in found if pascal.startswith(c)), key=len)
    if prefixes:
        return prefixes[-1]
    if len(found) == 1:
        return found[0]
    raise LookupError(
        f"{kind} {name}: cannot tell which type {'.'.join(path)} names (candidates {found})"
    )


@cache
def operations() -> tuple[Operation, ...]:
    """Every query and mutation field that takes an ID, in schema order."""
    schema = graphql_schema()
    found = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            slots = tuple(
                Slot(path, _named_by(kind, name, field, path))
                for argument, arg in field.args.items()
                for path in _id_paths(arg.type, (argument,))
            )
            if slots:
                found.append(Operation(kind, name, field, slots))
    return tuple(found)


def _depth(selection_set: SelectionSetNode | None) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            deepest = max(deepest, 1 + _depth(selection.selection_set))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set))
    return deepest


def _tokens(document: str) -> int:
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def _selection(type_: GraphQLNamedType, depth: int, concrete: str | None = None) -> str:
    """Every field of the type that needs no argument, objects ``depth`` levels down (lists
    with ``first: 2``), so that whatever the answer holds is looked at; of an interface, its
    own fields and those of the ``concrete`` type the answer will be."""
    if is_leaf_type(type_):
        return ""
    if isinstance(type_, GraphQLUnionType):
        return "{ __typename }"
    assert isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
    parts = []
    for name, field in type_.fields.items():
        if any(is_required_argument(a) for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif depth > 0 and (inner := _selection(named, depth - 1)):
            arguments = "(first: 2)" if "first" in field.args else ""
            parts.append(f"{name}{arguments} {inner}")
    if isinstance(type_, GraphQLInterfaceType) and concrete is not None:
        possible = graphql_schema().get_type(concrete)
        assert isinstance(possible, GraphQLObjectType)
        parts.append(f"... on {concrete} {_selection(possible, depth)}")
    return "{ " + " ".join(parts) + " }" if parts else ""


@cache
def selection_for(operation: Operation, concrete: str) -> str:
    """The deepest generic selection of the field's answer the service's limits accept (for an
    interface, as the ``concrete`` type)."""
    settings = get_settings()
    answer = get_named_type(operation.field.type)
    for depth in range(4, -1, -1):
        selection = _selection(answer, depth, concrete)
        document = f"{operation.kind} {{ {operation.name} {selection} }}"
        definition = parse(document).definitions[0]
        assert isinstance(definition, OperationDefinitionNode)
        if (
            _tokens(document) <= settings.graphql_max_tokens - 200
            and operation_cost(parse(document), None, {}) <= settings.graphql_max_cost
            and _depth(definition.selection_set) <= settings.graphql_max_depth
        ):
            return selection
    raise AssertionError(f"{operation.label}: no selection fits the limits")


# --- the world of other organisations' objects -----------------------------------------------

DRAFT_NAME = "Kladdehuset Isolation"
PENDING_REF, CONTRACT_REF = "SAG-ISO-VENTER", "SAG-ISO-KONTRAKT"
PENDING_CPR = "020290-1234"
SECRET_MESSAGE = "Fortroligt: borgerens situation"
CHANGE_REASON = "Fortroligt: ny slutdato"
CLAIM_NOTE = "Fortroligt: Aarhus hjalp borgeren til Horsens"


@dataclass(frozen=True)
class Thing:
    """An object of the world: its Node type and ID, its parties (who may change it), and
    what only they may know."""

    type_name: str
    node_id: str
    label: str
    owners: tuple[tuple[str, Role], ...]
    published: bool = True  # for Seen.PUBLISHED (published) and Seen.SUBMITTED (submitted)
    secrets: tuple[str, ...] = ()

    @property
    def gid(self) -> str:
        return to_base64(self.type_name, self.node_id)


@dataclass
class World:
    things: list[Thing]

    def of_type(self, names: str | None) -> list[Thing]:
        return [t for t in self.things if names is None or t.type_name == names]

    def markers(self) -> dict[str, str]:
        """What no stranger's answer may hold: private objects' IDs and secrets."""
        found = {}
        for thing in self.things:
            seen = VISIBILITY[thing.type_name]
            hidden = seen in (Seen.PUBLISHED, Seen.SUBMITTED) and not thing.published
            if seen is Seen.PARTIES or hidden:
                for marker in (thing.gid, thing.node_id, *thing.secrets):
                    found[marker] = f"{thing.label} ({marker})"
        return found


AALBORG_BUYS = ("851", Role.PURCHASER)
AALBORG_RUNS = ("851", Role.PROVIDER_ADMIN)
AARHUS_BUYS = ("751", Role.PURCHASER)
ENGLY_RUNS = ("43389424", Role.PROVIDER_ADMIN)
NORD_STEERS = (NORD, Role.STEERING)
MIDT_STEERS = ("1082", Role.STEERING)
DRAFT_CHALLENGES = "Udkast: få pladser i nord"
PROPOSED_REF = "SAG-FORSLAG-7"
PROPOSAL_NOTE = "Forslag: grundtakst i stedet for niveau 2"
NEED_NOTE = "Behov: ung med autisme, døgndækning"
ANSWER_NOTE = "Svar: plads fra næste måned"
NOTICE_REASON = "Fortroligt: borgeren flytter i egen bolig"
DATE_NOTE = "Fortroligt: genforhandling af timetal"
FOLLOW_UP_NOTE = "Fortroligt: borgeren trives med færre timer"
INVOICED_REF = "SAG-ISO-FAKTURA"
CREDIT_REASON = "Fortroligt: to dage for meget"


async def build_world() -> World:
    """Objects of Aalborg (851, region 1081), Bostedet Engly ApS and region 1081, each with an
    audit record of its making; and the provider the stranger provider admin runs."""
    market = await build_market()
    await organisations.create_provider(
        REGISTRY_ADMIN,
        municipal_provider(
            org_code="461",
            name="Odense Kommune",
            street_address="Flakhaven 2",
            postal_code="5000",
            city="Odense",
            municipality_code="461",
        ),
    )
    draft = await offers.create_offer(
        ENGLY_ADMIN, market.provider_id, offer_content(name=DRAFT_NAME)
    )
    pending = await request_place(
        market.offer_id, citizen_ref=PENDING_REF, cpr=PENDING_CPR, message=SECRET_MESSAGE
    )
    contract = await contract_for(market.offer_id, citizen_ref=CONTRACT_REF)
    change = await contracts.propose_change(
        AALBORG,
        contract.id,
        ContractChangeProposal(end_date=TODAY + datetime.timedelta(days=60), reason=CHANGE_REASON),
    )
    asked = await request_place(market.offer_id, citizen_ref=PROPOSED_REF)
    proposal = await proposals.propose(
        ENGLY_ADMIN, asked.id, PlacementProposal(price_level=None, message=PROPOSAL_NOTE)
    )
    claim = await refunds.create_claim(
        AALBORG,
        contract.id,
        RefundClaimCreate(debtor_code="751", paragraph="stk2_nr1", note=CLAIM_NOTE),
    )
    # a month on: notice from a later day, a renegotiation date, a follow-up held
    await backdate(contract.id, 30)
    await contracts.give_notice(
        AALBORG, contract.id, NOTICE_REASON, TODAY + datetime.timedelta(days=10)
    )
    renegotiation = await followups.add_date(
        AALBORG,
        contract.id,
        ContractDateAdd(
            kind=ContractDateKind.RENEGOTIATION,
            due_on=TODAY + datetime.timedelta(days=20),
            note=DATE_NOTE,
        ),
    )
    follow_up = await followups.record_follow_up(
        AALBORG,
        contract.id,
        FollowUpRecord(
            held_on=TODAY - datetime.timedelta(days=1),
            outcome=FollowUpOutcome.ADJUST,
            notes=FOLLOW_UP_NOTE,
            next_on=TODAY + datetime.timedelta(days=40),
        ),
    )
    need = await needs.create_need(
        AALBORG,
        PlacementNeedCreate(
            target_groups=[target_group_code("Autismespektrum")],
            age=20,
            message=NEED_NOTE,
            offer_ids=[market.offer_id, market.aalborg_offer_id],
        ),
    )
    answers = (await needs.answers_by_need(AALBORG, [need.id]))[need.id]
    engly_answer = next(a for a in answers if a.offer_id == market.offer_id)
    await needs.propose(ENGLY_ADMIN, engly_answer.id, PlacementProposal(message=ANSWER_NOTE))
    invoiced = await contract_for(market.offer_id, citizen_ref=INVOICED_REF)
    await begin_on(invoiced, datetime.date(2026, 3, 10))
    invoice = await invoices.issue_invoice(
        ENGLY_ADMIN,
        market.provider_id,
        InvoiceIssue(municipality_code="851", month=datetime.date(2026, 3, 1)),
    )
    credit_note = await invoices.issue_credit_note(
        ENGLY_ADMIN, invoice.id, CreditNoteIssue(amount=Decimal(100), reason=CREDIT_REASON)
    )
    agreement = await agreement_in_force()  # after the market: its price lists predate the cap
    condition = await frameworks.approve_special_condition(
        NORD_STEERING,
        agreement.id,
        SpecialConditionApprove(
            offer_id=market.aalborg_offer_id,
            condition="objective_financing_startup",
            approved_by="DAS",
            approved_on=TODAY,
            valid_from=agreement.valid_from,
            valid_to=agreement.valid_to,
        ),
    )
    announcement = await announcements.create_announcement(
        REGISTRY_ADMIN,
        AnnouncementCreate(
            issuer="Socialstyrelsen",
            issued_on=TODAY - datetime.timedelta(days=10),
            title="Autisme og selvskade",
            target_groups=[target_group_code("Autismespektrum")],
            small_group=True,
            report_deadline=TODAY + datetime.timedelta(days=30),
        ),
    )
    report = await announcements.create_report(
        NORD_STEERING,
        announcement.id,
        ReportCreate(
            region_code=NORD, offer_ids=[market.aalborg_offer_id], challenges=DRAFT_CHALLENGES
        ),
    )
    submitted = await announcements.create_report(
        MIDT_STEERING,
        announcement.id,
        ReportCreate(region_code="1082", assessment=Assessment.SUFFICIENT),
    )
    await announcements.submit_report(MIDT_STEERING, submitted.id)
    placement = (AALBORG_BUYS, ENGLY_RUNS)
    contracted = (CONTRACT_REF, "010190-****", NOTICE_REASON)
    things = [
        Thing("Offer", str(market.aalborg_offer_id), "Aalborg's published offer", (AALBORG_RUNS,)),
        Thing("Offer", str(market.offer_id), "Engly's published offer", (ENGLY_RUNS,)),
        Thing("Offer", str(draft.id), "Engly's draft offer", (ENGLY_RUNS,), False, (DRAFT_NAME,)),
        Thing("Provider", str(market.aalborg_provider_id), "Aalborg Kommune", (AALBORG_RUNS,)),
        Thing("Provider", str(market.provider_id), "Bostedet Engly ApS", (ENGLY_RUNS,)),
        Thing(
            "PlacementRequest",
            str(pending.id),
            "Aalborg's pending request",
            placement,
            secrets=(PENDING_REF, "020290-****", SECRET_MESSAGE),
        ),
        Thing(
            "PlacementRequest",
            str(contract.request_id),
            "Aalborg's accepted request",
            placement,
            secrets=contracted,
        ),
        Thing("Contract", str(contract.id), "Aalborg's contract", placement, secrets=contracted),
        Thing(
            "ContractChange",
            str(change.id),
            "Aalborg's proposed change",
            placement,
            secrets=(CHANGE_REASON,),
        ),
        Thing(
            "PlacementProposal",
            str(proposal.id),
            "Engly's proposal on Aalborg's request",
            placement,
            secrets=(PROPOSAL_NOTE,),
        ),
        Thing(
            "ContractDate",
            str(renegotiation.id),
            "Aalborg's renegotiation date",
            placement,
            secrets=(DATE_NOTE,),
        ),
        Thing(
            "ContractFollowUp",
            str(follow_up.id),
            "Aalborg's follow-up",
            placement,
            secrets=(FOLLOW_UP_NOTE,),
        ),
        Thing(
            "RefundClaim",
            str(claim.id),
            "Aalborg's refund claim on Aarhus",
            (AALBORG_BUYS, AARHUS_BUYS),
            secrets=(CLAIM_NOTE,),
        ),
        Thing(
            "PlacementNeed",
            str(need.id),
            "Aalborg's need",
            (AALBORG_BUYS, ENGLY_RUNS, AALBORG_RUNS),
            secrets=(NEED_NOTE,),
        ),
        Thing(
            "NeedAnswer",
            str(engly_answer.id),
            "Engly's answer to Aalborg's need",
            placement,
            secrets=(ANSWER_NOTE,),
        ),
        Thing(
            "Invoice",
            str(invoice.id),
            "Engly's invoice to Aalborg",
            placement,
            secrets=(INVOICED_REF,),
        ),
        Thing(
            "CreditNote",
            str(credit_note.id),
            "Engly's credit note to Aalborg",
            placement,
            secrets=(CREDIT_REASON,),
        ),
        Thing("Agreement", str(agreement.id), "region 1081's agreement", (NORD_STEERS,)),
        Thing(
            "SpecialConditionApproval",
            str(condition.id),
            "region 1081's special condition",
            (NORD_STEERS, AALBORG_BUYS),
        ),
        Thing("CentralAnnouncement", str(announcement.id), "the announcement", (ADMIN,)),
        Thing(
            "RegionalReport",
            str(report.id),
            "region 1081's draft report",
            (NORD_STEERS,),
            published=False,
            secrets=(DRAFT_CHALLENGES,),
        ),
        Thing(
            "RegionalReport", str(submitted.id), "region 1082's submitted report", (MIDT_STEERS,)
        ),
        Thing("Region", NORD, "Region Nordjylland", (NORD_STEERS,)),
        Thing("Municipality", "851", "Aalborg", (AALBORG_BUYS,)),
    ]
    async with write_transaction():  # as the API records a change, so auditTrail has some
        for thing in things:
            org, role = thing.owners[0]
            maker = Principal(subject=f"test:{org}:{role.value}", org_code=org, role=role)
            await audit.append(maker, "isolationWorld", thing.type_name, thing.node_id, None, {})
    return World(things + await _notification_things(market.offer_id))


async def _notification_things(offer_id: uuid.UUID) -> list[Thing]:
    """Engly's notification (of a request it received), webhook endpoint (with a delivery of
    a later request) and e-mail address."""
    from marketplace.notifications import email, webhooks
    from marketplace.notifications.tables import Notification

    hook_url = "https://hooks.engly.example/socialmarked-secret-path"
    endpoint, _secret = await webhooks.create_endpoint(
        ENGLY_ADMIN,
        webhooks.WebhookEndpointCreate(url=hook_url, events=["placement_request.received"]),
    )
    await request_place(offer_id, citizen_ref="SAG-WEBHOOK")  # a delivery to the endpoint
    address = "visitation-secret@engly.example"
    recipient = await email.add_recipient(
        ENGLY_ADMIN, email.EmailRecipientSet(address=address, for_organisation=True)
    )
    notification = (
        await Notification.select(Notification.id)
        .where(Notification.org == "43389424")
        .first()
        .run()
    )
    assert notification is not None
    delivery = await _an_attempt_made()
    return [
        Thing("WebhookDelivery", str(delivery), "Engly's delivery", (ENGLY_RUNS,)),
        Thing("Notification", str(notification["id"]), "Engly's notification", (ENGLY_RUNS,)),
        Thing(
            "WebhookEndpoint",
            str(endpoint.id),
            "Engly's endpoint",
            (ENGLY_RUNS,),
            secrets=(hook_url,),
        ),
        Thing(
            "EmailRecipient",
            str(recipient.id),
            "Engly's address",
            (ENGLY_RUNS,),
            secrets=(address,),
        ),
    ]


async def _an_attempt_made() -> uuid.UUID:
    """Engly's delivery, with an attempt in its log (the receiver did not answer)."""
    from marketplace.core.clock import utcnow
    from marketplace.notifications.tables import WebhookAttempt, WebhookDelivery

    row = await WebhookDelivery.select(WebhookDelivery.id).first().run()
    assert row is not None
    await WebhookAttempt.insert(
        WebhookAttempt(
            id=uuid.uuid4(),
            delivery=row["id"],
            org="43389424",
            attempt=1,
            at=utcnow(),
            status_code=None,
            error="ConnectError: no answer",
            duration_ms=12,
            sort_key=0,
        )
    ).run()
    return row["id"]


def may_see(type_name: str, thing: Thing | None, caller: Caller) -> bool:
    """May a caller who is no party read another organisation's object of this type (a list
    of them when ``thing`` is None: its items are filtered one by one)?"""
    seen = VISIBILITY[type_name]
    if seen is Seen.ANYONE or seen is Seen.AS_OBJECT:
        return True
    if seen is Seen.SIGNED_IN:
        return caller is not None
    if seen is Seen.PUBLISHED:
        return thing is None or thing.published
    if seen is Seen.SUBMITTED:
        return caller is not None and (thing is None or thing.published)
    return False


# --- probes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    operation: Operation
    slot: Slot
    thing: Thing
    things: tuple[Thing, ...]  # every object its arguments name
    document: str
    variables: dict[str, Any]

    def describe(self, who: str) -> str:
        document = self.document if len(self.document) < 400 else self.document[:400] + " ..."
        return (
            f"{self.operation.label} as {who}, {'.'.join(self.slot.path)} = {self.thing.label}"
            f"\n    {document}\n    variables: {json.dumps(self.variables, ensure_ascii=False)}"
        )


def arguments(
    operation: Operation, probed: Slot, thing: Thing, world: World
) -> tuple[dict[str, Any], list[Thing]]:
    """The field's arguments with ``thing`` at the probed slot, the first object of their type
    at the other required ID slots, and the filler elsewhere; and the objects they name."""
    slots = {slot.path: slot for slot in operation.slots}
    named: list[Thing] = []

    def fill(type_: GraphQLInputType, path: tuple[str, ...]) -> Any:
        nullable = get_nullable_type(type_)
        if isinstance(nullable, GraphQLList):
            return [fill(nullable.of_type, path)]
        if isinstance(nullable, GraphQLInputObjectType):
            return fill_object(nullable.name, nullable.fields, path)
        if isinstance(nullable, GraphQLEnumType):
            return next(iter(nullable.values))
        if nullable.name == "ID":
            chosen = thing if path == probed.path else world.of_type(slots[path].names)[0]
            named.append(chosen)
            return chosen.gid
        if nullable.name not in SCALARS:
            raise LookupError(f"{operation.label}: no filler for the scalar {nullable}")
        return SCALARS[nullable.name]

    def fill_object(type_name: str, fields: Any, path: tuple[str, ...]) -> dict[str, Any]:
        values, defaults = {}, DEFAULTS.get(type_name, {})
        for name, field in fields.items():
            inner = (*path, name)
            if probed.path[: len(inner)] == inner:
                values[name] = fill(field.type, inner)
            elif name in defaults:
                values[name] = defaults[name]
            elif is_non_null_type(field.type) and field.default_value is Undefined:
                values[name] = fill(field.type, inner)
        return values

    root = "Query" if operation.kind == "query" else "Mutation"
    return fill_object(root, operation.field.args, ()), named


def probes(operation: Operation, world: World) -> Iterator[Probe]:
    """One probe per ID slot and object of the type it names."""
    for probed in operation.slots:
        for thing in world.of_type(probed.names):
            variables, named = arguments(operation, probed, thing, world)
            definitions = ", ".join(f"${a}: {operation.field.args[a].type}" for a in variables)
            given = ", ".join(f"{a}: ${a}" for a in variables)
            document = (
                f"{operation.kind} Probe({definitions}) "
                f"{{ {operation.name}({given}) {selection_for(operation, thing.type_name)} }}"
            )
            yield Probe(operation, probed, thing, tuple(named), document, variables)


def _codes(errors: list[dict[str, Any]]) -> list[Any]:
    return [(e.get("extensions") or {}).get("code") for e in errors]


def _nothing(value: Any) -> bool:
    if value is None or value == []:
        return True
    if isinstance(value, dict) and "edges" in value:
        return not value["edges"] and not value.get("totalCount")
    return False


def read_refused(body: dict[str, Any], operation: Operation) -> str | None:
    """Why the answer to a stranger's read is not "nothing", or None when it is."""
    errors = body.get("errors") or []
    wrong = [
        (c, e.get("message"))
        for c, e in zip(_codes(errors), errors, strict=True)
        if c not in REFUSALS
    ]
    if wrong:
        return f"NOT REFUSED, answered with the errors {wrong}"
    value = (body.get("data") or {}).get(operation.name)
    if not _nothing(value):
        return f"LEAK, answered {json.dumps(value, ensure_ascii=False)[:600]}"
    return None


def change_refused(body: dict[str, Any], operation: Operation) -> str | None:
    """Why the answer to a stranger's mutation is not a refusal, or None when it is."""
    errors = body.get("errors") or []
    wrong = [
        (c, e.get("message"))
        for c, e in zip(_codes(errors), errors, strict=True)
        if c not in REFUSALS
    ]
    if wrong:
        return f"NOT REFUSED, answered with the errors {wrong}"
    payload = (body.get("data") or {}).get(operation.name)
    if payload is None:
        return None if errors else "NOT REFUSED, answered neither a payload nor an error"
    user_errors = payload.get("errors") or []
    if not user_errors:
        return f"NOT REFUSED, made the change: {json.dumps(payload, ensure_ascii=False)[:600]}"
    if any(e.get("code") not in REFUSALS for e in user_errors):
        return f"NOT REFUSED, failed with {json.dumps(user_errors, ensure_ascii=False)}"
    rest = {k: v for k, v in payload.items() if k != "errors" and not _nothing(v)}
    if rest:
        return f"LEAK, refused but answered {json.dumps(rest, ensure_ascii=False)[:600]}"
    return None


def got_past(body: dict[str, Any], operation: Operation) -> bool:
    """Did a party's call get past the refusals: made the change, or failed otherwise?"""
    payload = (body.get("data") or {}).get(operation.name)
    if body.get("errors") or payload is None:
        return False
    return all(e.get("code") not in REFUSALS for e in payload.get("errors") or [])


def leaks(body: dict[str, Any], probe: Probe, markers: dict[str, str]) -> list[str]:
    """The private objects' IDs and secrets an answer holds (an error may name the IDs the
    caller gave)."""
    data = json.dumps(body.get("data"), ensure_ascii=False)
    errors = json.dumps(body.get("errors"), ensure_ascii=False)
    given = {m for t in probe.things for m in (t.gid, t.node_id)}
    return [
        label
        for marker, label in markers.items()
        if marker in data or (marker not in given and marker in errors)
    ]


def expected_allowed(probe: Probe, caller: Caller) -> bool:
    operation = probe.operation
    objects_seen = all(may_see(t.type_name, t, caller) for t in probe.things)
    if operation.kind == "mutation":
        roles = PUBLIC_USES.get(operation.name, frozenset())
        return caller is not None and caller[1] in roles and objects_seen
    answer = operation.result
    return objects_seen and (
        isinstance(answer, GraphQLInterfaceType) or may_see(answer.name, None, caller)
    )


async def snapshot() -> dict[str, list[str]]:
    """Every row of every table the service writes (but the rate limiter's counters)."""
    tables = [t for t in MUTABLE_TABLES if t is not RateLimitWindow] + [AuditRecord]
    state = {}
    for table in tables:
        rows = await table.select().run()
        state[table._meta.tablename] = sorted(
            json.dumps(r, sort_keys=True, default=str) for r in rows
        )
    return state


def coverage_gaps(kind: str, sent: Counter[tuple[str, str]], world: World) -> list[str]:
    """Why the fields of a kind were not all probed as every stranger with every type of
    object their IDs may name: a field, a caller or a type the world lacks."""
    gaps = []
    held = {thing.type_name for thing in world.things}
    for operation in operations():
        if operation.kind != kind:
            continue
        for slot in operation.slots:
            wanted = {slot.names} if slot.names else node_types()
            if wanted - held:
                gaps.append(
                    f"{operation.label}: {'.'.join(slot.path)} names a "
                    f"{' or '.join(sorted(wanted - held))}, but the world holds none"
                )
        for who in STRANGERS:
            if not sent[operation.name, who]:
                gaps.append(f"{operation.label} was not probed as {who}")
    return gaps


# --- the tests --------------------------------------------------------------------------------


@pytest.fixture
async def call() -> AsyncIterator[GraphQL]:
    """Like the ``gql`` fixture, on an app without the rate limiter: the probes are many
    requests of a few callers, and the limiter has tests of its own."""
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 0})
    async with serve(settings) as http:

        async def run(
            query: str, variables: dict[str, Any] | None = None, as_: Caller = None
        ) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token(*as_)}"} if as_ else {}
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        yield run


def test_every_type_has_a_visibility_decision() -> None:
    """Every Node type, every type an ID names and every answer of a query that takes an ID
    is in VISIBILITY; every ID's type can be told from the schema."""
    wanted = set(node_types())
    for operation in operations():
        wanted |= {slot.names for slot in operation.slots if slot.names is not None}
        if operation.kind == "query" and not isinstance(operation.result, GraphQLInterfaceType):
            wanted.add(operation.result.name)
    missing = sorted(wanted - VISIBILITY.keys())
    assert not missing, (
        f"No visibility decision for {missing}: add each to VISIBILITY with the README's word "
        "on who may read another organisation's object of that type."
    )
    mutations = {o.name for o in operations() if o.kind == "mutation"}
    assert PUBLIC_USES.keys() <= mutations, PUBLIC_USES.keys() - mutations


async def test_strangers_read_nothing_of_other_organisations(call: GraphQL) -> None:
    world = await build_world()
    markers = world.markers()
    problems: list[str] = []
    sent: Counter[tuple[str, str]] = Counter()
    refused: Counter[tuple[str, str]] = Counter()
    proven: Counter[tuple[str, str]] = Counter()
    started = time.monotonic()
    for operation in operations():
        if operation.kind != "query":
            continue
        listed = list(probes(operation, world))
        batch = [(i, who, caller) for i in range(len(listed)) for who, caller in STRANGERS.items()]
        bodies = await asyncio.gather(
            *(call(listed[i].document, listed[i].variables, as_=c) for i, _, c in batch)
        )
        to_control: set[int] = set()
        for (i, who, caller), body in zip(batch, bodies, strict=True):
            probe = listed[i]
            sent[operation.name, who] += 1
            problems += [
                f"LEAK of {label}: {probe.describe(who)}" for label in leaks(body, probe, markers)
            ]
            if expected_allowed(probe, caller):
                wrong = [c for c in _codes(body.get("errors") or []) if c not in REFUSALS]
                if wrong:
                    problems.append(f"FAILED, errors {body['errors']}: {probe.describe(who)}")
                continue
            why = read_refused(body, operation)
            if why:
                problems.append(f"{why}: {probe.describe(who)}")
            refused[operation.name, who] += 1
            to_control.add(i)
        # the same reads by the registry administrator: a refusal proves something only where
        # the arguments name something there is to see
        controlled = sorted(to_control)
        answers = await asyncio.gather(
            *(call(listed[i].document, listed[i].variables, as_=ADMIN) for i in controlled)
        )
        answered = {
            i
            for i, answer in zip(controlled, answers, strict=True)
            if not answer.get("errors")
            and not _nothing((answer.get("data") or {}).get(operation.name))
        }
        for i, who, caller in batch:
            if i in answered and not expected_allowed(listed[i], caller):
                proven[operation.name, who] += 1
    problems += coverage_gaps("query", sent, world)
    for (name, who), count in sorted(refused.items()):
        if not proven[name, who]:
            problems.append(
                f"query {name} as {who}: {count} refusal(s), but the registry administrator "
                "got nothing either with the same arguments, so they prove nothing"
            )
    print(
        f"\nisolation, queries: {sum(sent.values())} probes of {len({n for n, _ in sent})} "
        f"fields, {sum(refused.values())} of them refused ({sum(proven.values())} with the "
        f"administrator answered), in {time.monotonic() - started:.1f}s"
    )
    assert not problems, "\n".join(problems)


async def test_strangers_change_nothing_of_other_organisations(call: GraphQL) -> None:
    world = await build_world()
    markers = world.markers()
    problems: list[str] = []
    sent: Counter[tuple[str, str]] = Counter()
    skipped = 0
    started = time.monotonic()
    mutations = [o for o in operations() if o.kind == "mutation"]
    before = await snapshot()
    for operation in mutations:
        for probe in probes(operation, world):
            for who, caller in STRANGERS.items():
                if expected_allowed(probe, caller):
                    skipped += 1
                    continue
                body = await call(probe.document, probe.variables, as_=caller)
                sent[operation.name, who] += 1
                problems += [
                    f"LEAK of {label}: {probe.describe(who)}"
                    for label in leaks(body, probe, markers)
                ]
                why = change_refused(body, operation)
                if why:
                    problems.append(f"{why}: {probe.describe(who)}")
        after = await snapshot()
        changed = sorted(table for table in after if after[table] != before[table])
        if changed:
            problems.append(f"mutation {operation.name}: strangers' calls changed {changed}")
        before = after
    problems += coverage_gaps("mutation", sent, world)
    # The controls: with the arguments of some probe of each field, a party to what they name
    # (or a caller the field's public use allows) gets past the refusals: the change is made,
    # or fails for another reason. They change the world, so they come last, and in reverse
    # (what a later field needs, such as a published offer, an earlier one may close).
    controls = 0
    for operation in reversed(mutations):
        public = [
            c for c in STRANGERS.values() if c and c[1] in PUBLIC_USES.get(operation.name, ())
        ]
        for probe in probes(operation, world):
            parties = dict.fromkeys([*(o for t in probe.things for o in t.owners), *public])
            answers = [await call(probe.document, probe.variables, as_=c) for c in parties]
            controls += len(answers)
            if any(got_past(answer, operation) for answer in answers):
                break
        else:
            problems.append(
                f"mutation {operation.name}: with no probe's arguments did a party get past the "
                "refusals, so the strangers' refusals prove nothing"
            )
    print(
        f"\nisolation, mutations: {sum(sent.values())} probes of {len({n for n, _ in sent})} "
        f"fields ({skipped} public uses not sent, {controls} controls), "
        f"in {time.monotonic() - started:.1f}s"
    )
    assert not problems, "\n".join(problems)
