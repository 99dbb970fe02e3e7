"""From a submitted form to the domain's command, and from its errors back to the form.

A form's field names are the command's own (``desired_start``; rows of a list as
``levels.0.name``), so an error's path names the input it belongs to. The messages are
Danish (``web.danish``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from litestar.datastructures import FormMultiDict
from pydantic import BaseModel, ValidationError

from marketplace.core.cpr import refuse_cpr_in_text
from marketplace.core.errors import DomainError, DomainErrors
from web import danish

M = TypeVar("M", bound=BaseModel)

_DANISH_AMOUNT = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+,\d+$")


class FormInvalid(Exception):
    """What is wrong with a form: per field, and about the form as a whole."""

    def __init__(self, fields: dict[str, str], general: list[str] | None = None) -> None:
        super().__init__("the form has errors")
        self.fields = fields
        self.general = general or []


def amount(text: str) -> str:
    """A Danish amount (``1.234,50``) as the domain reads it (``1234.50``)."""
    text = text.strip().removesuffix("kr.").removesuffix("kr").strip().replace(" ", "")
    if _DANISH_AMOUNT.match(text):
        return text.replace(".", "").replace(",", ".")
    return text


def values(
    form: FormMultiDict,
    *,
    lists: Iterable[str] = (),
    flags: Iterable[str] = (),
    amounts: Iterable[str] = (),
) -> dict[str, Any]:
    """The form's values: empty fields left out, ``lists`` as lists, ``flags`` (checkboxes)
    as booleans, ``amounts`` in Danish notation read as numbers; ``rows.N.field`` keys
    gathered into a list of rows (rows left empty are dropped)."""
    lists, flags, amounts = set(lists), set(flags), set(amounts)
    data: dict[str, Any] = {name: form.get(name) is not None for name in flags}
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for key in dict.fromkeys(form.keys()):
        if key.startswith("_") or key in flags:
            continue
        if key in lists:
            data[key] = [v.strip() for v in form.getall(key) if v.strip()]
            continue
        value = str(form.get(key, "")).strip()
        if not value:
            continue
        name, index, field = _row_key(key)
        if field is not None and index is not None:
            shown = amount(value) if field in amounts else value
            rows.setdefault(name, {}).setdefault(index, {})[field] = shown
        else:
            data[key] = amount(value) if key in amounts else value
    for name, numbered in rows.items():
        data[name] = [numbered[i] for i in sorted(numbered)]
    return data


def _row_key(key: str) -> tuple[str, int | None, str | None]:
    parts = key.split(".")
    if len(parts) == 3 and parts[1].isdigit():
        return parts[0], int(parts[1]), parts[2]
    return key, None, None


def command(model: type[M], data: dict[str, Any]) -> M:
    """The command the form stands for; ``FormInvalid`` with Danish messages if it is not one
    (a CPR number in a free-text field among them: ``refuse_cpr_in_text``)."""
    try:
        refuse_cpr_in_text(data)
    except DomainError as error:
        raise refused(error) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(error) from None


def invalid(error: ValidationError) -> FormInvalid:
    fields: dict[str, str] = {}
    general: list[str] = []
    for item in error.errors(include_url=False):
        text = danish.validation_message(str(item["type"]), item.get("ctx"), str(item["msg"]))
        path = ".".join(str(p) for p in item["loc"])
        if path:
            fields.setdefault(path, text)
        else:
            general.append(text)
    return FormInvalid(fields, general)


def refused(error: DomainError) -> FormInvalid:
    """A service's refusal as form errors: on its field when it names one of the form's."""
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    fields: dict[str, str] = {}
    general: list[str] = []
    for one in errors:
        text = danish.message(one.code, one.message)
        # "id": the object acted on, not a field of the form
        if one.field and one.of_command and one.field[-1] != "id":
            fields.setdefault(".".join(one.field), text)
        else:
            general.append(text)
    return FormInvalid(fields, general)


def form_errors(error: FormInvalid | DomainError) -> FormInvalid:
    """What a refused form shows: its own errors, or a service's refusal worded for it."""
    return error if isinstance(error, FormInvalid) else refused(error)


def error_context(failed: FormInvalid | None) -> dict[str, Any]:
    """The template's ``errors`` (per field) and ``general`` for a form, refused or not."""
    return {"errors": failed.fields if failed else {}, "general": failed.general if failed else []}
