"""The model catalogue, marked by which providers the user has a key for."""

import httpx

from promptpro.providers.catalogue import get_catalogue
from tests.support.runs import add_key


async def test_the_catalogue_lists_every_known_model_with_prices(ada: httpx.AsyncClient) -> None:
    response = await ada.get("/api/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body["asOf"] == get_catalogue().as_of.isoformat()
    assert {model["id"] for model in body["models"]} == {m.id for m in get_catalogue().models()}
    model = body["models"][0]
    assert set(model) >= {"contextWindow", "inputUsdPerMtok", "outputUsdPerMtok", "hasKey"}
    assert not any(model["hasKey"] for model in body["models"])


async def test_models_are_marked_runnable_once_their_provider_has_a_key(
    ada: httpx.AsyncClient,
) -> None:
    await add_key(ada, "anthropic")
    models = (await ada.get("/api/v1/models")).json()["models"]
    assert all(model["hasKey"] == (model["provider"] == "anthropic") for model in models)


async def test_the_catalogue_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/models")).status_code == 401
