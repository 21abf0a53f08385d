"""OpenID Connect and the instance admin: the first account is admin however it signs up; a
disabled account can't sign in through its identity provider; sign-ins are audited."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.models import User
from tests.api.test_oidc import _authorize, _begin, _callback, _set_claims, client, issuer

__all__ = ["client", "issuer"]  # the fixtures, shared with test_oidc

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:authlib.oidc.core.grants._legacy"
)


async def _sign_in(client: httpx.AsyncClient, sub: str) -> httpx.Response:
    return await _callback(client, await _authorize(await _begin(client), sub))


async def test_the_first_oidc_account_is_admin_and_a_disabled_one_is_refused(
    client: httpx.AsyncClient, issuer: str
) -> None:
    await _set_claims(issuer, "oidc-1", {"preferred_username": "grace"})
    assert (await _sign_in(client, "oidc-1")).status_code == 302
    me = (await client.get("/api/v1/auth/session")).json()["user"]
    assert me["isAdmin"] is True
    events = (await client.get("/api/v1/me/audit")).json()["items"]
    assert [(e["action"], e["summary"]) for e in events] == [
        ("auth.signed_in", "Signed in with OpenID Connect")
    ]

    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    async with app.state.session_factory() as session, session.begin():
        await session.execute(sa.update(User).where(User.id == "oidc-1").values(disabled=True))
    assert (await client.get("/api/v1/me")).status_code == 401
    refused = await _sign_in(client, "oidc-1")
    assert refused.status_code != 302
    assert "disabled" in refused.json()["detail"]
