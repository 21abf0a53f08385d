"""Master-key rotation reaches every sealed key: an own endpoint's key too, still sealed for its
endpoint and origin afterwards (the users' and workspaces' keys: test_keys, test_workspace_keys)."""

from __future__ import annotations

from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.security.vault import Vault, key_id, key_id_of
from promptpro.services.endpoints import endpoint_key_scope, open_endpoint_key
from promptpro.services.key_rotation import rotate_all, stored_key_ids
from promptpro.storage import Storage
from tests.services.test_keys import KEY_A, KEY_B, new_user
from tests.services.test_workspace_keys import new_team

ORIGIN = "https://llm.example.com:443"
ENDPOINT_KEY = "sk-endpoint-Zq8Wv3Xr6Ts1Up4Yo7"


async def add_endpoint(factory: SessionFactory, vault: Vault, workspace_id: int) -> int:
    """An endpoint with a key, sealed as EndpointService seals one."""
    async with unit_of_work(factory) as session:
        storage = Storage(session)
        endpoint = await storage.create_endpoint(
            workspace_id=workspace_id, name="local", base_url=f"{ORIGIN}/v1", models=[]
        )
        sealed = vault.encrypt(
            ENDPOINT_KEY, user_id=endpoint_key_scope(endpoint.id), provider=ORIGIN
        )
        await storage.update_endpoint(endpoint, key_ciphertext=sealed, key_origin=ORIGIN)
        return endpoint.id


async def endpoint_ciphertext(factory: SessionFactory, endpoint_id: int) -> str:
    async with factory() as session:
        (endpoint,) = [
            e for e in await Storage(session).list_all_endpoint_keys() if e.id == endpoint_id
        ]
    assert endpoint.key_ciphertext is not None
    return endpoint.key_ciphertext


async def test_rotation_re_encrypts_endpoint_keys_for_their_endpoint_and_origin(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    team = await new_team(session_factory, ada)
    endpoint_id = await add_endpoint(session_factory, Vault([KEY_A]), team)

    async with unit_of_work(session_factory) as session:
        assert await rotate_all(Storage(session), Vault([KEY_B, KEY_A])) == 1
    async with session_factory() as session:
        assert dict(await stored_key_ids(Storage(session))) == {key_id(KEY_B): 1}

    ciphertext = await endpoint_ciphertext(session_factory, endpoint_id)
    assert key_id_of(ciphertext) == key_id(KEY_B)
    assert open_endpoint_key(Vault([KEY_B]), endpoint_id, ORIGIN, ciphertext) == ENDPOINT_KEY
