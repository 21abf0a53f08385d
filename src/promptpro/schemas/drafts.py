"""An editor draft: the prompt editor's fields as typed, before they are saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from promptpro.schemas.base import ReadSchema, WriteSchema, no_nul

# What a field holds while someone types: any text (checked only when the prompt is saved).
FieldText = Annotated[str, StringConstraints(max_length=1_000), AfterValidator(no_nul)]
LongFieldText = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(no_nul)]


class DraftParameters(WriteSchema):
    """The editor's parameter fields as typed (numbers still text: "0." is a draft too)."""

    temperature: FieldText = ""
    max_tokens: FieldText = ""
    top_p: FieldText = ""
    system: LongFieldText = ""
    stop: FieldText = ""


class DraftWrite(WriteSchema):
    """The prompt editor's state, as the editor has it."""

    title: FieldText = ""
    content: LongFieldText = ""
    category_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    model: FieldText = ""
    model_other: FieldText = ""
    parameters: DraftParameters = Field(default_factory=DraftParameters)


class DraftRead(ReadSchema):
    """A stored draft, and when it was last written."""

    title: str
    content: str
    category_id: int | None
    model: str
    model_other: str
    parameters: DraftParameters
    updated_at: datetime
    based_on_version: int | None = Field(
        description="The prompt's saved version when the draft was written."
    )
