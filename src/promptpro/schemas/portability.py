"""Export and import: the shapes of one imported prompt and test set, and the report.

An imported prompt is checked with the same schemas as the API's: each version is a
`PromptCreate` (type, content or messages, schema, tools, model, parameters), the
test sets are `TestSetCreate` and `TestRowCreate`, so a file can't store what the API
would refuse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from promptpro.schemas.base import LongText, Name, NotBoolean, ReadSchema, WriteSchema, no_nul
from promptpro.schemas.library import PromptCreate, PromptParameters, Tags
from promptpro.schemas.names import LabelName, PromptName
from promptpro.schemas.test_sets import TestRowCreate, TestSetCreate

FORMAT_NAME = "promptpro-export"
FORMAT_VERSION = 1
MAX_VERSIONS = 10_000
ExportFormat = Literal["promptpro", "promptfoo", "langfuse", "prompty", "dotprompt", "markdown"]
OnConflict = Literal["skip", "rename", "version"]
ItemKind = Literal[
    "prompt", "category", "testSet", "label", "response", "evaluation", "field", "file"
]


class VersionDoc(PromptCreate):
    """One version of an imported prompt: what `POST /prompts` takes, with its number."""

    version: Annotated[int, Field(ge=1, le=2**31 - 1), NotBoolean]
    created_at: AwareDatetime | None = None


class LabelEventDoc(WriteSchema):
    """One move of a label, as it was recorded."""

    label: LabelName
    from_: Annotated[int, NotBoolean] | None = Field(default=None, alias="from")
    to: Annotated[int, NotBoolean] | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None
    at: AwareDatetime | None = None


class ResponseDoc(WriteSchema):
    """A response of an imported prompt: what a run produced and cost (who ran it, with
    which key and on which worker are never exported, so never imported either)."""

    version: Annotated[int, NotBoolean] | None = None
    model: Annotated[str, Field(min_length=1, max_length=200)]
    status: Literal["completed", "failed", "cancelled"] = "completed"
    content: Annotated[str, Field(max_length=1_000_000), AfterValidator(no_nul)] = ""
    rendered_input: Annotated[str, Field(max_length=1_000_000), AfterValidator(no_nul)] | None = (
        None
    )
    variables: dict[str, Annotated[str, AfterValidator(no_nul)]] | None = None
    parameters: PromptParameters | None = None
    input_tokens: Annotated[int, Field(ge=0), NotBoolean] | None = None
    output_tokens: Annotated[int, Field(ge=0), NotBoolean] | None = None
    cost_usd: Annotated[float, Field(ge=0), NotBoolean] | None = None
    rating: Literal[1, -1] | None = None
    rating_note: Annotated[str, Field(max_length=1000), AfterValidator(no_nul)] | None = None
    created_at: AwareDatetime | None = None


class PromptDoc(WriteSchema):
    """One prompt of an import: its name, where it is filed, and every version."""

    name: PromptName
    category: Name | None = None
    tags: Tags = Field(default_factory=list)
    versions: Annotated[list[VersionDoc], Field(min_length=1, max_length=MAX_VERSIONS)]
    labels: dict[str, Annotated[int, NotBoolean]] = Field(default_factory=dict)
    label_history: list[LabelEventDoc] = Field(default_factory=list)
    responses: Annotated[list[ResponseDoc], Field(max_length=100_000)] | None = None

    @model_validator(mode="after")
    def _distinct_versions(self) -> PromptDoc:
        numbers = [v.version for v in self.versions]
        if len(set(numbers)) != len(numbers):
            raise ValueError("two versions have the same number")
        self.versions.sort(key=lambda v: v.version)
        return self


class CategoryDoc(WriteSchema):
    """A category of an import, by name."""

    name: Name
    description: LongText | None = None


class TestSetDoc(TestSetCreate):
    """A test set of an import, with its rows."""

    __test__ = False

    rows: list[TestRowCreate] = Field(default_factory=list)


class ImportItem(ReadSchema):
    """One thing an import created, changed, skipped, found in conflict, or could not carry."""

    kind: ItemKind
    name: str
    detail: str | None = None


class ImportCounts(ReadSchema):
    """How many items each list of the report holds."""

    created: int
    updated: int
    skipped: int
    conflicts: int
    not_carried: int


class ImportReport(ReadSchema):
    """What an import did (or, in a dry run, would do)."""

    format: ExportFormat
    dry_run: bool
    on_conflict: OnConflict
    created: list[ImportItem]
    updated: list[ImportItem]
    skipped: list[ImportItem]
    conflicts: list[ImportItem] = Field(
        description="Names already taken, and what the conflict policy made of each."
    )
    not_carried: list[ImportItem] = Field(
        description="What the file held that PromptPro (or the format) could not carry."
    )
    counts: ImportCounts


def iso(moment: datetime) -> str:
    """A timestamp as the export writes it (UTC, ISO 8601)."""
    return moment.isoformat().replace("+00:00", "Z")
