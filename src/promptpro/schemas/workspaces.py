"""Workspaces and their members on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from promptpro.schemas.base import Name, PatchSchema, ReadSchema, WriteSchema
from promptpro.schemas.names import LabelName

WorkspaceRole = Literal["owner", "admin", "editor", "viewer"]


class WorkspaceRead(ReadSchema):
    """A workspace as one of its members sees it."""

    id: int
    name: str
    personal: bool = Field(description="Whether it is your personal workspace.")
    role: WorkspaceRole = Field(description="Your role in it.")
    protected_labels: list[str] = Field(
        default_factory=lambda: ["production"],
        description="Labels only admins and owners may move.",
    )
    created_at: datetime
    updated_at: datetime


class WorkspaceCreate(WriteSchema):
    """A new team workspace; you are its owner."""

    name: Name


class WorkspaceUpdate(PatchSchema):
    """A change to a workspace: its name, its protected labels (only the fields sent)."""

    not_null = ("name", "protected_labels")

    name: Name | None = None
    protected_labels: (
        Annotated[list[LabelName], Field(max_length=20, json_schema_extra={"uniqueItems": True})]
        | None
    ) = Field(
        default=None,
        description="Labels only admins and owners may move (editors open change requests).",
    )


class WorkspaceDelete(WriteSchema):
    """Deleting a workspace deletes everything in it: type its name to confirm."""

    confirm: Annotated[str, Field(max_length=1000)]


class WorkspaceTransfer(WriteSchema):
    """Make another member the owner; you stay, as an admin."""

    user_id: Annotated[str, Field(min_length=1, max_length=200)]


class MemberRead(ReadSchema):
    """A member of a workspace."""

    user_id: str
    username: str
    role: WorkspaceRole


class MemberCreate(WriteSchema):
    """An existing user to add, by username, with a role."""

    username: Annotated[str, Field(min_length=1, max_length=200)]
    role: WorkspaceRole


class MemberUpdate(WriteSchema):
    """A member's new role."""

    role: WorkspaceRole
