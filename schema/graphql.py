"""The GraphQL schema: the domains' queries and mutations, and the security extensions."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
)
from strawberry import relay
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from marketplace.core.cpr import redact
from marketplace.core.db import is_unavailable
from marketplace.core.errors import DomainError
from marketplace.core.settings import Settings
from schema.agreements.announcements.mutations import AnnouncementMutation
from schema.agreements.announcements.queries import AnnouncementQuery
from schema.agreements.announcements.types import CentralAnnouncement, RegionalReport
from schema.agreements.economics.mutations import EconomicsMutation
from schema.agreements.economics.queries import EconomicsQuery
from schema.agreements.frameworks.mutations import AgreementMutation
from schema.agreements.frameworks.queries import AgreementQuery
from schema.agreements.frameworks.types import Agreement, SpecialConditionApproval
from schema.agreements.gaps.mutations import GapMutation
from schema.agreements.gaps.queries import GapQuery
from schema.audit import AuditQuery
from schema.changes import ChangesQuery
from schema.context import Info
from schema.errors import client_words, extensions, should_mask_error
from schema.execution import Execution, lean_resolvers
from schema.ids import decode_global_id
from schema.limits import document_limits, refuse_over_budget
from schema.marketplace.contracts.followup.mutations import FollowUpMutation
from schema.marketplace.contracts.followup.queries import FollowUpQuery
from schema.marketplace.contracts.followup.types import ContractDate, ContractFollowUp
from schema.marketplace.contracts.invoices.mutations import InvoiceMutation
from schema.marketplace.contracts.invoices.queries import InvoiceQuery
from schema.marketplace.contracts.invoices.types import CreditNote, Invoice
from schema.marketplace.contracts.mutations import ContractMutation
from schema.marketplace.contracts.needs.mutations import NeedMutation
from schema.marketplace.contracts.needs.queries import NeedQuery
from schema.marketplace.contracts.needs.types import NeedAnswer, PlacementNeed
from schema.marketplace.contracts.queries import ContractQuery
from schema.marketplace.contracts.types import (
    Contract,
    ContractChange,
    PlacementProposal,
    PlacementRequest,
    RefundClaim,
)
from schema.marketplace.notifications.email import EmailMutation, EmailQuery, EmailRecipient
from schema.marketplace.notifications.mutations import NotificationMutation
from schema.marketplace.notifications.queries import NotificationQuery
from schema.marketplace.notifications.types import Notification
from schema.marketplace.notifications.webhooks import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMutation,
    WebhookQuery,
)
from schema.marketplace.offers.mutations import OfferMutation
from schema.marketplace.offers.queries import OfferQuery
from schema.marketplace.offers.types import Offer
from schema.marketplace.organisations.mutations import OrganisationMutation
from schema.marketplace.organisations.queries import OrganisationQuery
from schema.marketplace.organisations.types import Municipality, Provider, Region
from schema.marketplace.search.queries import SearchQuery
from schema.relay import load_node
from schema.requests import current_request

# Distinct document texts whose parse and validation results are kept (bounded, so unique
# documents from a client cannot grow memory).
DOCUMENT_CACHE_SIZE = 256

logger = logging.getLogger("socialmarked.graphql")

NODE_TYPES: dict[str, type[relay.Node]] = {
    "Region": Region,
    "Municipality": Municipality,
    "Provider": Provider,
    "Offer": Offer,
    "PlacementRequest": PlacementRequest,
    "Contract": Contract,
    "ContractChange": ContractChange,
    "PlacementProposal": PlacementProposal,
    "RefundClaim": RefundClaim,
    "PlacementNeed": PlacementNeed,
    "NeedAnswer": NeedAnswer,
    "ContractDate": ContractDate,
    "ContractFollowUp": ContractFollowUp,
    "Invoice": Invoice,
    "CreditNote": CreditNote,
    "Agreement": Agreement,
    "SpecialConditionApproval": SpecialConditionApproval,
    "CentralAnnouncement": CentralAnnouncement,
    "RegionalReport": RegionalReport,
    "Notification": Notification,
    "WebhookEndpoint": WebhookEndpoint,
    "WebhookDelivery": WebhookDelivery,
    "EmailRecipient": EmailRecipient,
}


@strawberry.type
class Query(
    OrganisationQuery,
    OfferQuery,
    SearchQuery,
    ContractQuery,
    NeedQuery,
    FollowUpQuery,
    InvoiceQuery,
    AgreementQuery,
    EconomicsQuery,
    AnnouncementQuery,
    GapQuery,
    AuditQuery,
    ChangesQuery,
    NotificationQuery,
    WebhookQuery,
    EmailQuery,
):
    @strawberry.field(description="Any object by its global ID; null when there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        global_id = decode_global_id(id)
        node_type = NODE_TYPES.get(global_id.type_name)
        return await load_node(info, node_type, global_id.node_id) if node_type else None


@strawberry.type
class Mutation(
    OrganisationMutation,
    OfferMutation,
    ContractMutation,
    NeedMutation,
    FollowUpMutation,
    InvoiceMutation,
    AgreementMutation,
    EconomicsMutation,
    AnnouncementMutation,
    GapMutation,
    NotificationMutation,
    WebhookMutation,
    EmailMutation,
):
    pass


class Schema(strawberry.Schema):
    """Logs only unexpected exceptions, and without the client's document or variables.

    A DomainError is an answer, and a document that fails parsing, validation or the limits
    is the client's mistake; neither is a fault of the service. The document and variables
    may hold personal data (a CPR number written inline), so an unexpected error is logged
    by its place in the response and its traceback only.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        info = current_request()
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, DomainError | GraphQLError):
                continue
            if is_unavailable(original):  # answered 503 as a whole, logged once there
                if info is not None:
                    info.database_unavailable = True
                continue
            logger.error(
                "Unexpected error at %s in operation %s\n%s",
                ".".join(str(p) for p in error.path or []) or "(document)",
                (execution_context.operation_name if execution_context else None) or "-",
                redact("".join(traceback.format_exception(original))),
            )


class Guard(MaskErrors):
    """The checks around every operation and its errors as clients see them, in one
    extension (strawberry runs each extension's hooks for every operation, so six of them
    cost more than the checks themselves):

    - the document's token limit (strawberry's MaxTokensLimiter) and the validation rules
      beyond GraphQL's own (depth, aliases, the document limits; in production no
      introspection), added for parsing and validation, which strawberry caches;
    - the cost limit (``schema.limits``), before execution;
    - the operation's name for the request's log line and metrics;
    - and afterwards, the errors: a domain error's code and the path to the argument at
      fault in ``extensions``, no CPR number in any message (graphql-core quotes what a
      client sent when it does not fit a type: "String cannot represent a non string value:
      0101901234"), no "Did you mean" that would reveal the schema in production; then any
      unexpected error masked (strawberry's MaskErrors, asking a result for its errors
      plainly: its check against a runtime protocol cost more than the rest of it).
    """

    def __init__(
        self, *, max_tokens: int, rules: tuple[Any, ...], max_cost: int, hide_suggestions: bool
    ) -> None:
        super().__init__(should_mask_error=should_mask_error)
        self.max_tokens = max_tokens
        self.rules = rules
        self.max_cost = max_cost
        self.hide_suggestions = hide_suggestions

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = context.validation_rules + self.rules
        self._stream_result_processed = False
        yield
        self._client_errors()
        if not self._stream_result_processed:  # a stream's results were masked one by one
            result = self.execution_context.result
            self._process_result(getattr(result, "initial_result", None) or result)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        refuse_over_budget(context, self.max_cost)
        info = current_request()
        if info is not None:
            name = context.operation_name or ""
            info.operation = name[:64] if name.isidentifier() else None
            info.operation_label = _operation_label(context)
        yield

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _client_errors(self) -> None:
        result = self.execution_context.result
        for error in [
            *(result.errors or [] if result is not None else []),
            *(self.execution_context.pre_execution_errors or []),
        ]:
            if isinstance(error.original_error, DomainError):
                error.extensions = extensions(error.original_error)
                error.message = client_words(error.message)
            error.message = redact(error.message)
            if self.hide_suggestions:  # "Did you mean 'regions'?" would reveal the schema
                error.message = _SUGGESTION.sub("", error.message)


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _operation_label(context: ExecutionContext) -> str | None:
    document = context.graphql_document
    if document is None:
        return None
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if context.operation_name and (
            definition.name is None or definition.name.value != context.operation_name
        ):
            continue
        first = next(
            (s for s in definition.selection_set.selections if isinstance(s, FieldNode)), None
        )
        field = first.name.value if first is not None else "-"
        return f"{definition.operation.value}:{field}"
    return None


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with its limits; introspection is off in production.

    Parsing and validation are cached per document text (clients send the same documents
    again and again). The limit rules are made once, so every request validates with the same
    rules and the validation cache can answer for a document it has seen.
    """
    rules = (
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
        document_limits(
            settings.graphql_max_operations,
            settings.graphql_max_directives,
            settings.graphql_max_field_repeats,
        ),
        *([NoSchemaIntrospectionCustomRule] if settings.is_production else []),
    )
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: Guard(
            max_tokens=settings.graphql_max_tokens,
            rules=rules,
            max_cost=settings.graphql_max_cost,
            hide_suggestions=settings.is_production,
        ),
    ]
    schema = Schema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_TYPES.values()),
        extensions=extensions,
        execution_context_class=Execution,
    )
    lean_resolvers(schema)
    return schema
