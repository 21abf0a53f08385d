"""Turn a violated database constraint into the domain error that names the field."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from promptpro.errors import Conflict, Invalid

# Constraint (or SQLite "table.column") -> (field on the wire, message).
_UNIQUE = {
    "uq_users_username_lower": ("username", "That username is taken."),
    "users.id": ("id", "A user with that id exists."),
    "pk_users": ("id", "A user with that id exists."),
    "uq_users_email_lower": ("email", "That email address is already in use."),
    "uq_categories_workspace_id_name_lower": (
        "name",
        "This workspace already has a category with that name.",
    ),
    "uq_test_sets_workspace_id_name_lower": (
        "name",
        "This workspace already has a test set with that name.",
    ),
    "uq_endpoints_workspace_id_name_lower": (
        "name",
        "This workspace already has an endpoint with that name.",
    ),
    "uq_api_keys_user_id": ("userId", "That user already has a keys row."),
    "api_keys.user_id": ("userId", "That user already has a keys row."),
    "uq_oidc_identities_issuer_subject": ("subject", "That identity is linked to a user."),
    "oidc_identities.issuer": ("subject", "That identity is linked to a user."),
    "uq_access_tokens_token_hash": ("token", "That token exists."),
    "access_tokens.token_hash": ("token", "That token exists."),
    "uq_prompts_workspace_id_name": ("name", "This workspace already has a prompt with that name."),
    "prompts.workspace_id, prompts.name": (
        "name",
        "This workspace already has a prompt with that name.",
    ),
    "uq_prompt_versions_prompt_id_version": ("version", "That version was saved meanwhile."),
    "prompt_versions.prompt_id": ("version", "That version was saved meanwhile."),
}

# SQLite reports expression indexes by their columns, not their name.
_SQLITE_EXPRESSIONS = {
    "index 'uq_users_username_lower'": "uq_users_username_lower",
    "index 'uq_users_email_lower'": "uq_users_email_lower",
    "index 'uq_categories_workspace_id_name_lower'": "uq_categories_workspace_id_name_lower",
    "index 'uq_test_sets_workspace_id_name_lower'": "uq_test_sets_workspace_id_name_lower",
    "index 'uq_endpoints_workspace_id_name_lower'": "uq_endpoints_workspace_id_name_lower",
}


def to_domain_error(exc: IntegrityError) -> Conflict | Invalid:
    """The Conflict (uniqueness) or Invalid (anything else) that `exc` means."""
    message = str(exc.orig)
    for marker, name in _SQLITE_EXPRESSIONS.items():
        if marker in message:
            message = name
    for constraint, (field, detail) in _UNIQUE.items():
        if constraint in message:
            return Conflict(detail, field=field)
    if "foreign key" in message.lower():
        return Invalid("It refers to something that does not exist.")
    return Invalid("The data breaks a rule of the database.")
