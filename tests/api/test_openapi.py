"""The OpenAPI document describes every library endpoint, and the API keeps its promises:
schemathesis sends generated requests, valid and not, and no answer is a 5xx or off-schema."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.app import create_app
from promptpro.config import Settings, load_settings

# method, path, success status, body schema (None: no body)
LIBRARY = [
    ("get", "/api/v1/categories", "200", None),
    ("post", "/api/v1/categories", "201", "CategoryCreate"),
    ("get", "/api/v1/categories/{category_id}", "200", None),
    ("patch", "/api/v1/categories/{category_id}", "200", "CategoryUpdate"),
    ("delete", "/api/v1/categories/{category_id}", "204", None),
    ("get", "/api/v1/prompts", "200", None),
    ("post", "/api/v1/prompts", "201", "PromptCreate"),
    ("get", "/api/v1/prompts/{prompt_id}", "200", None),
    ("patch", "/api/v1/prompts/{prompt_id}", "200", "PromptUpdate"),
    ("delete", "/api/v1/prompts/{prompt_id}", "204", None),
    ("get", "/api/v1/prompts/{prompt_id}/versions", "200", None),
    ("get", "/api/v1/prompts/{prompt_id}/responses", "200", None),
    ("get", "/api/v1/responses/{response_id}", "200", None),
    ("delete", "/api/v1/responses/{response_id}", "204", None),
]
LIBRARY_PATHS = sorted({path for _, path, _, _ in LIBRARY})


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document `/openapi.json` serves: the app's own, the same on either database, so
    read once (an app that is not started touches no database)."""
    data_dir = tmp_path_factory.mktemp("openapi")
    app = create_app(
        load_settings(database_url=f"sqlite:///{data_dir / 'unused.db'}", data_dir=data_dir)
    )
    # Through JSON, as it is served (and so no test can change the app's own copy).
    document: dict[str, Any] = json.loads(json.dumps(app.openapi()))
    return document


def problem_codes(operation: dict[str, Any]) -> set[str]:
    return {
        code
        for code, response in operation["responses"].items()
        if response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("schema")
        == {"$ref": "#/components/schemas/Problem"}
    }


async def test_the_document_lists_every_library_endpoint(openapi: dict[str, Any]) -> None:
    listed = {
        (method, path) for path, operations in openapi["paths"].items() for method in operations
    }
    assert {(method, path) for method, path, _, _ in LIBRARY} <= listed


@pytest.mark.parametrize(("method", "path", "success", "body"), LIBRARY, ids=lambda v: str(v))
async def test_each_endpoint_has_a_summary_schemas_and_its_problem_responses(
    openapi: dict[str, Any], method: str, path: str, success: str, body: str | None
) -> None:
    operation = openapi["paths"][path][method]
    assert operation["summary"]
    assert operation["description"]
    if success == "204":
        assert "content" not in operation["responses"]["204"]
    else:
        assert operation["responses"][success]["content"]["application/json"]["schema"]
    if body is None:
        assert "requestBody" not in operation
    else:
        request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert request_schema == {"$ref": f"#/components/schemas/{body}"}
    codes = problem_codes(operation)
    assert "401" in codes
    if "{" in path:
        assert {"404", "422"} <= codes  # missing or not yours; an id that is not a number
    if body is not None:
        assert {"400", "413", "422"} <= codes
    if method != "get":
        assert "403" in codes  # a cookie-authenticated change without its CSRF token
    if path.startswith("/api/v1/categories") and body is not None:
        assert "409" in codes
    assert "HTTPValidationError" not in str(operation)


async def test_the_problem_schema_and_page_envelopes_are_in_the_components(
    openapi: dict[str, Any],
) -> None:
    schemas = openapi["components"]["schemas"]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert schemas["Problem"]["properties"]["errors"]
    for page in ("PromptPage", "ResponsePage"):
        assert set(schemas[page]["required"]) == {"items", "nextCursor"}
    assert "maxTokens" in schemas["PromptParameters"]["properties"]
    assert "categoryId" in schemas["PromptRead"]["properties"]


async def test_the_document_says_what_the_server_refuses(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    for schema, field in (
        ("CategoryUpdate", "name"),
        ("PromptUpdate", "title"),
        ("PromptUpdate", "content"),
        ("UserUpdate", "username"),
    ):
        assert "null" not in str(schemas[schema]["properties"][field]), (schema, field)
    assert "null" in str(schemas["PromptUpdate"]["properties"]["categoryId"])  # clears it
    assert schemas["KeyUpdate"]["properties"]["key"]["pattern"] == "^[!-~]+$"
    # `models` may be left out (for versions): its array form says each model comes once.
    assert "'uniqueItems': True" in str(schemas["CompareCreate"]["properties"]["models"])
    image_url = str(schemas["UserUpdate"]["properties"]["profileImageUrl"])
    assert "[Hh][Tt][Tt][Pp][Ss]?://" in image_url


async def test_the_interactive_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.text


def test_generated_requests_never_get_a_server_error_or_an_off_schema_answer(
    settings: Settings,
) -> None:
    app: Any = create_app(settings)  # an ASGI app, which schemathesis types more narrowly
    try:
        schema: Any = schemathesis.openapi.from_asgi("/openapi.json", app)
        schema = schema.include(path=LIBRARY_PATHS)
        with asgi.get_client(app) as client:
            client.headers["Authorization"] = f"Bearer {seed_library(client)}"
            client.cookies.clear()
            operations = [result.ok() for result in schema.get_all_operations()]
            assert len(operations) == len(LIBRARY)
            failures = [
                failure
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                for operation in operations
                if (failure := fuzz(operation, mode, client))
            ]
    finally:
        asgi.shutdown_lifespans()
    assert not failures, "\n\n".join(failures)


def seed_library(client: Any) -> str:
    """Sign up, file a prompt in a category (so small ids exist); a bearer token."""
    registered = client.post(
        "/api/v1/auth/register", json={"username": "ada", "password": "correct horse battery"}
    )
    csrf = {"X-CSRF-Token": registered.json()["csrfToken"]}
    category = client.post("/api/v1/categories", json={"name": "Code"}, headers=csrf).json()
    prompt = {"title": "t", "content": "c", "categoryId": category["id"]}
    client.post("/api/v1/prompts", json=prompt, headers=csrf)
    created = client.post("/api/v1/tokens", json={"name": "fuzz"}, headers=csrf)
    token: str = created.json()["token"]
    return token


def fuzz(operation: Any, mode: GenerationMode, client: Any) -> str | None:
    """Send generated requests of one kind (valid or invalid) to one operation; what failed."""
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    if mode is GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.validate_response(case.call(session=client), checks=checks)

    try:
        check()
    except Unsatisfiable:
        pass  # no invalid input exists (e.g. GET /categories takes no parameters)
    except Exception as exc:
        return f"{operation.label} ({mode.value}): {exc}"
    return None
