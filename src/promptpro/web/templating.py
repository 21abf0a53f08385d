"""The Jinja2 environment of the pages, its filters, and rendering a page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from promptpro.config import Settings
from promptpro.schemas.workspaces import WorkspaceRead
from promptpro.services import oidc
from promptpro.web.advice import ADVICE, KEYS_PAGE, advice_for, page_detail, problem_slug
from promptpro.web.excerpts import first_line, short_variables, status_label
from promptpro.web.markdown import render_markdown
from promptpro.web.models import PROVIDER_LABELS, model_name, provider_label
from promptpro.web.static import static_url

TEMPLATES_DIR = Path(__file__).parent / "templates"
OIDC_LOGIN_PATH = "/auth/oidc/login"

# Messages shown after a redirect, chosen by a code in the URL: a fixed list, so the
# address bar can't be used to put words in the page's mouth.
DONE_MESSAGES = {
    "saved": "Saved.",
    "created": "Created.",
    "profile": "Your profile is saved.",
    "password": "Your password is changed. Your other sessions were signed out.",
    "key-saved": "The key is saved. Only its hint is ever shown.",
    "key-removed": "The key is removed.",
    "endpoint-added": "The endpoint is added. Its models run as name/model.",
    "endpoint-deleted": "The endpoint is deleted, with its key.",
    "endpoint-discovered": "The endpoint's models are listed.",
    "token-revoked": "The token is revoked: requests bearing it are refused from now on.",
    "token-again": "That token was already created; its secret was shown once. Revoke it "
    "and create another if you didn't copy it.",
    "category-created": "The category is created.",
    "category-renamed": "The category is saved.",
    "category-deleted": "The category is deleted; its prompts are now uncategorised.",
    "prompt-deleted": "The prompt is deleted, with its versions and responses.",
    "response-deleted": "The response is deleted.",
    "signed-out": "You are signed out.",
    "account-deleted": "Your account and everything in it are deleted.",
    "user-changed": "The user is changed; a disabled user's sessions and tokens stop at once.",
    "registration": "The registration policy is saved.",
    "workspace-created": "The workspace is created, and you are working in it now. Add "
    "its members here.",
    "workspace-renamed": "The workspace is renamed.",
    "workspace-transferred": "The workspace is handed over: you are an admin of it now.",
    "workspace-deleted": "The workspace is deleted, with everything in it.",
    "workspace-left": "You left the workspace.",
    "member-added": "The member is added.",
    "member-changed": "The member's role is changed.",
    "member-removed": "The member is removed.",
    "test-set-created": "The test set is created: add rows, paste them or import a file.",
    "test-set-deleted": "The test set is deleted, with its rows.",
    "rows-imported": "The rows are imported.",
    "row-added": "The response is added to the test set as a row.",
    "invitation-accepted": "You joined the workspace.",
    "invitation-member": "You are a member of that workspace already.",
    "invitation-revoked": "The invitation is revoked: its link makes nobody a member now.",
    "invitation-again": "That invitation was already made; its link was shown once. Revoke "
    "it and make another if you didn't copy it.",
    "label-moved": "The label moved; applications fetching it get that version now.",
    "change-requested": "Your change request waits for a workspace admin.",
    "change-approved": "Approved: the label moved.",
    "change-rejected": "The change request is rejected.",
    "renamed": "The prompt is renamed.",
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as pages show them, read once: an ORM object expires on rollback."""

    id: str
    username: str
    is_admin: bool = False
    # The header's workspace switcher: the user's workspaces and the current one (none on
    # error pages, which show the menu without the switcher).
    workspaces: tuple[WorkspaceRead, ...] = ()
    workspace: WorkspaceRead | None = None
    # Whether their role in the current workspace lets them write there (a viewer's pages
    # offer no "New prompt"; the services refuse it anyway).
    writes: bool = True


def when(value: datetime | None) -> str:
    """A timestamp for people (UTC; the page's script shows it in local time)."""
    if value is None:
        return "—"
    return value.strftime("%-d %b %Y, %H:%M UTC")


def iso(value: datetime | None) -> str:
    """A timestamp as HTML's `datetime` attributes take it (to the millisecond)."""
    return "" if value is None else value.isoformat(timespec="milliseconds")


def time_tag(value: datetime | None) -> Markup:
    """A <time> element the page's script shows in the reader's time zone."""
    if value is None:
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(iso(value), when(value))


def seconds(value: float | None) -> str:
    """A duration: `0.42 s`, `12.3 s`, `2 min 5 s`."""
    if value is None:
        return "—"
    if value < 10:
        return f"{value:.2f} s"
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


def usd(value: float | None) -> str:
    """A cost in dollars, with as many decimals as a small amount needs."""
    if value is None:
        return "—"
    if value == 0:
        return "$0"
    decimals = 2 if value >= 1 else 4 if value >= 0.01 else 6
    return f"${value:,.{decimals}f}"


def count(value: int | None) -> str:
    """A number of tokens with thousands separators."""
    return "—" if value is None else f"{value:,}"


def as_json(value: Any) -> Markup:
    """JSON for a `<script type="application/json">` block (data, never run)."""
    text = json.dumps(value, ensure_ascii=False)
    # `<` escaped so no value can close the script element early.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e"))  # noqa: S704


@pass_context
def markdown(context: Context, text: str) -> Markup:
    """Untrusted markdown as safe HTML within the app's size limit (from the cache when
    the handler called `prerender_markdown`)."""
    settings: Settings = context["request"].app.state.settings
    return render_markdown(text, settings.markdown_max_chars)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        markdown=markdown,
        when=when,
        time_tag=time_tag,
        iso=iso,
        seconds=seconds,
        usd=usd,
        count=count,
        model_name=model_name,
        provider_label=provider_label,
        advice=advice_for,
        problem_slug=problem_slug,
        page_detail=page_detail,
        as_json=as_json,
        first_line=first_line,
        short_variables=short_variables,
        status_label=status_label,
    )
    env.globals.update(
        static=static_url,
        keys_page=KEYS_PAGE,
        advice_table=ADVICE,
        provider_labels=PROVIDER_LABELS,
    )
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    *,
    user: Viewer | None,
    csrf_token: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page: the template with the layout's context (user, CSRF token, settings)."""
    settings: Settings = request.app.state.settings
    done = request.query_params.get("done", "")
    page = {
        "request": request,
        "path": request.url.path,
        "user": user,
        "csrf_token": csrf_token,
        "registration_enabled": settings.registration_enabled,
        "oidc_name": settings.oidc_name if oidc.is_configured(settings) else None,
        "oidc_login_url": OIDC_LOGIN_PATH,
        "done_message": DONE_MESSAGES.get(done),
        **context,
    }
    html = ENV.get_template(template).render(page)
    # Pages hold private data and a CSRF token: never kept by shared caches, and
    # revalidated (re-rendered) by the browser rather than shown stale.
    headers = {"Cache-Control": "private, no-cache", **(headers or {})}
    return HTMLResponse(html, status_code=status_code, headers=headers)
