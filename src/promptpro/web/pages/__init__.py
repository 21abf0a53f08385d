"""The page routes, one module per feature, gathered into one router."""

from __future__ import annotations

from fastapi import APIRouter

from promptpro.web.pages import (
    access,
    admin,
    auth,
    categories,
    compare,
    compare_groups,
    editor,
    endpoints,
    evaluation_baseline,
    evaluation_start,
    evaluations,
    invitations,
    library,
    prompt,
    responses,
    search,
    settings,
    shipping,
    test_sets,
    tool_turns,
    usage,
    workspace_keys,
    workspace_members,
    workspaces,
)

router = APIRouter(include_in_schema=False)
# The editor's /prompts/new comes before the prompt page's /prompts/{id}.
for feature in (
    auth,
    library,
    editor,
    prompt,
    responses,
    tool_turns,
    compare,
    compare_groups,
    search,
    categories,
    test_sets,
    evaluation_start,
    evaluations,
    evaluation_baseline,
    settings,
    usage,
    access,
    workspace_keys,
    endpoints,
    admin,
    workspaces,
    workspace_members,
    invitations,
    shipping,
):
    router.include_router(feature.router)
