"""How /graphql speaks HTTP beyond what strawberry's controller does: a body that is not a
JSON object (``null``, a number, ``true``, a string) and every other refusal of the request
itself are 400 with a GraphQL error in JSON (strawberry answers them in plain text, and a
body of ``null`` made it fail with 500); an operation runs within the time limit; and an
operation that met a database that is away is answered 503 as a whole (see failures)."""

from __future__ import annotations

from typing import Any

import msgspec
from cross_web import HTTPException
from litestar import Response
from litestar.status_codes import HTTP_400_BAD_REQUEST

from marketplace.core.db import DatabaseUnavailable
from marketplace.core.errors import ErrorCode
from schema.failures import failure_answer
from schema.free_text import cpr_refusal
from schema.protection import within_time_limit
from schema.requests import current_request

NOT_AN_OBJECT = (
    'The request body must be a JSON object: {"query": "...", "variables": {...}, '
    '"operationName": "..."}.'
)


class GraphQLHttp:
    """Mixed into strawberry's Litestar controller (before it)."""

    time_limit: float = 15.0

    def encode_json(self, data: object) -> bytes:
        """The response in compact JSON, UTF-8 (msgspec, Litestar's own encoder, writes it
        several times faster than the json module)."""
        return msgspec.json.encode(data)

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)  # type: ignore[misc]
        batch = parsed if isinstance(parsed, list) else [parsed]
        if not batch or not all(isinstance(item, dict) for item in batch):
            raise HTTPException(HTTP_400_BAD_REQUEST, NOT_AN_OBJECT)
        return parsed

    async def execute_request(self, request: Any, context: Any, root_value: Any) -> Any:
        try:
            return await self.run(request, context=context, root_value=root_value)  # type: ignore[attr-defined]
        except HTTPException as refused:
            code = ErrorCode.BAD_REQUEST if refused.status_code == 400 else ErrorCode.INVALID
            headers, body, media_type = failure_answer(
                refused.status_code, code, refused.reason, "graphql", None
            )
            return Response(
                body, status_code=refused.status_code, headers=dict(headers), media_type=media_type
            )

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        data = kwargs.get("request_data")
        info = current_request()
        name = getattr(data, "operation_name", None)
        if info is not None and isinstance(name, str) and name.isidentifier():
            info.operation = name[:64]  # also when the document does not validate
        refusal = cpr_refusal(getattr(data, "query", None), getattr(data, "variables", None))
        if refusal is not None:  # before anything runs, let alone is stored
            return refusal
        result = await within_time_limit(
            self.time_limit,
            super().execute_single(*args, **kwargs),  # type: ignore[misc]
        )
        if info is not None and info.database_unavailable:
            raise DatabaseUnavailable("An operation met the database away.")
        return result
