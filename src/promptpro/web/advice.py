"""What a person should do about each kind of failed run, by its problem type."""

from __future__ import annotations

from typing import Any

KEYS_PAGE = "/settings/keys"

# Keyed by the problem `type` slug; `keys`: the fix is on the provider keys page (linked).
ADVICE: dict[str, dict[str, Any]] = {
    "no-key": {
        "text": "There is no API key for this provider yet. Add yours, then run again.",
        "keys": True,
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
        "text": "The provider doesn't offer this model. Pick another one from the list.",
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
