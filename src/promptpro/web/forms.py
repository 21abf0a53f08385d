"""HTML forms: reading what was posted, validating it with the API's schemas, and errors.

Form fields are named like the API's JSON fields (`title`, `categoryId`,
`parameters.maxTokens`), so a pydantic error or a domain error names the form field at
fault the same way the API's problem `errors` would, with the same message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from starlette.datastructures import FormData
from starlette.requests import Request

from promptpro.errors import Conflict, Invalid

FieldErrors = dict[str, str]
Values = dict[str, str]
M = TypeVar("M", bound=BaseModel)

# A message for the form as a whole (not for one field) goes under this key.
FORM = ""


class FormInvalid(Exception):
    """The posted form can't be accepted; `errors` says why, per field."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_key(loc: Iterable[Any]) -> str:
    """The form field a pydantic error location points at (list indexes dropped)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) or str(part).isdigit():
            break  # `parameters.stop.2` is the `parameters.stop` field
        parts.append(to_camel(str(part)))
    return ".".join(parts)


def validation_errors(exc: ValidationError) -> FieldErrors:
    """One message per field (the first), as the API words them; never the input itself."""
    errors: FieldErrors = {}
    for error in exc.errors(include_url=False, include_input=False):
        errors.setdefault(field_key(error["loc"]), error["msg"])
    return errors


def domain_errors(exc: Invalid | Conflict) -> FieldErrors:
    """The field a domain error names (or the form as a whole) with its message."""
    return {exc.field or FORM: exc.detail}


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    """`model` from the form's data, or FormInvalid naming each field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormInvalid(validation_errors(exc)) from None


async def read_form(request: Request) -> FormData:
    """The posted form (cached by Starlette, so the CSRF check may have read it already)."""
    return await request.form()


def text(form: FormData, name: str) -> str:
    """A text field's value ('' when missing or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def values(form: FormData, *names: str) -> Values:
    """The named text fields, as typed (to fill the form in again)."""
    return {name: text(form, name) for name in names}


def optional(value: str) -> str | None:
    """An optional field: empty or blank means 'not given'."""
    return value if value.strip() else None


def safe_next(target: str | None, default: str = "/prompts") -> str:
    """A same-site path to go back to after signing in (anything else: the default)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 for char in target) or "\\" in target:
        return default
    return target
