"""What a person should do about each kind of failed run, by its problem type."""

from __future__ import annotations

from typing import Any

from promptpro.web.models import provider_label

KEYS_PAGE = "/settings/keys"

# Keyed by the problem `type` slug; `keys`: the fix is on the provider keys page (linked);
# `detail`: what a page says instead of the problem's own detail, which speaks to API
# clients (`PUT /api/v1/keys/…`); `{provider}` is the provider's name.
ADVICE: dict[str, dict[str, Any]] = {
    "no-key": {
        "text": "Add your key in Settings, then run again.",
        "keys": True,
        "detail": "There is no {provider} API key in your account yet.",
    },
    "bad-key": {
        "text": "The provider refused your API key. Check it or replace it, then run again.",
        "keys": True,
    },
    "key-unavailable": {
        "text": "Your stored key for this provider can't be decrypted. Save it again.",
        "keys": True,
    },
    "key-corrupt": {
        "text": "Your stored key for this provider is damaged. Save it again.",
        "keys": True,
    },
    "rate-limited": {
        "text": "The provider is limiting how fast you can call it. Wait a little and run "
        "again, or pick another model.",
        "keys": False,
    },
    "timeout": {
        "text": "The provider took too long to answer. Run again, or pick a faster model.",
        "keys": False,
    },
    "upstream": {
        "text": "The provider failed to answer. Try again in a moment, or pick another model.",
        "keys": False,
    },
    "unknown-model": {
        "text": "Check the model name: the provider doesn't offer this model. Pick another "
        "one from the list.",
        "keys": False,
    },
    "invalid-request": {
        "text": "The provider refused the request as invalid. Check the parameters and the "
        "length of the prompt against what this model takes, then run again.",
        "keys": False,
    },
    "run-failed": {
        "text": "The run didn't finish. Run the prompt again.",
        "keys": False,
    },
}


def problem_slug(problem: dict[str, Any] | None) -> str:
    """The last part of a problem's `type` (`/problems/bad-key` -> `bad-key`)."""
    if not problem:
        return ""
    return str(problem.get("type") or "").rsplit("/", 1)[-1]


def advice_for(problem: dict[str, Any] | None) -> dict[str, Any] | None:
    """The advice for a stored run error, if there is any for its kind."""
    return ADVICE.get(problem_slug(problem))


def page_detail(problem: dict[str, Any] | None) -> str:
    """A stored run error's detail as a page says it (see ADVICE's `detail`)."""
    if not problem:
        return ""
    advice = ADVICE.get(problem_slug(problem)) or {}
    if "detail" in advice:
        provider = problem.get("provider")
        name = provider_label(str(provider)) if provider else "such"
        return str(advice["detail"]).format(provider=name)
    return str(problem.get("detail") or "")
