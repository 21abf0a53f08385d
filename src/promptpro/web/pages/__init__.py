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
    library,
    prompt,
    responses,
    search,
    settings,
    shipping,
)

router = APIRouter(include_in_schema=False)
# The editor's /prompts/new comes before the prompt page's /prompts/{id}.
for feature in (
    auth,
    library,
    editor,
    prompt,
    responses,
    compare,
    compare_groups,
    search,
    categories,
    settings,
    access,
    admin,
    shipping,
):
    router.include_router(feature.router)
