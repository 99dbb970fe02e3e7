"""The per-request GraphQL context: who is asking, and that request's DataLoaders."""

from __future__ import annotations

from typing import Any

import strawberry
from litestar import Request, Response
from strawberry.litestar import BaseContext

from marketplace.core.identity import Principal
from schema.agreements.loaders import AgreementLoaders
from schema.marketplace.loaders import MarketplaceLoaders


class Context(BaseContext, kw_only=True):
    principal: Principal
    marketplace: MarketplaceLoaders
    agreements: AgreementLoaders

    def renew_loaders(self) -> None:
        """Forget what the loaders read: after a change, the payload reads the new state."""
        self.marketplace = MarketplaceLoaders(self.principal)
        self.agreements = AgreementLoaders(self.principal)


Info = strawberry.Info[Context, None]


def http_context(request: Request[Any, Any, Any], response: Response[Any]) -> Context:
    """The context of an operation asked over HTTP: the caller, fresh loaders, and the
    request and the (empty) response strawberry fills in."""
    user = request.user
    principal = user if isinstance(user, Principal) else Principal.anonymous()
    context = Context(
        principal=principal,
        marketplace=MarketplaceLoaders(principal),
        agreements=AgreementLoaders(principal),
    )
    context.request = request
    context.response = response
    return context
