"""What a client sends to rate a response, and the inputs a prompt's run panel starts from."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from promptpro.schemas.base import ReadSchema, WriteSchema, no_nul
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.uploads import StoredImage

MAX_NOTE_LENGTH = 1_000

Note = Annotated[str, StringConstraints(max_length=MAX_NOTE_LENGTH), AfterValidator(no_nul)]


class RatingUpdate(WriteSchema):
    """Rate a response: 1 (thumbs up) or -1 (down) with an optional note; 0 clears both."""

    value: Literal[1, -1, 0]
    note: Note | None = None

    @model_validator(mode="after")
    def _no_note_without_a_rating(self) -> RatingUpdate:
        if self.value == 0 and self.note and self.note.strip():
            raise ValueError("a note goes with a rating: 0 clears the rating and its note")
        return self


class RunInputsRead(ReadSchema):
    """What this user last ran this prompt with, for the run panel to start from.

    `variables` are those still in the prompt; `model` and `parameters` are null when the
    prompt was saved since (its own then apply), and every field is null or empty when it
    never ran.
    """

    response_id: int | None = Field(description="The run these inputs come from.")
    variables: dict[str, str | StoredImage] = Field(
        description='Text values, and images as `{"image": id, "mediaType", "sha256"}`.'
    )
    model: str | None
    parameters: PromptParameters | None
