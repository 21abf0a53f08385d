"""The request log never holds an invitation's token, which travels in its path."""

from __future__ import annotations

from promptpro.logs import loggable_path


def test_an_invitation_token_in_a_path_is_hidden() -> None:
    token = "ppi_Rc6Msk555W12LPND-S76xT_IRjeCVziUlh58g-xcd8o"
    assert loggable_path(f"/invitations/{token}") == "/invitations/ppi_[hidden]"
    assert loggable_path(f"/api/v1/invitations/{token}/accept") == (
        "/api/v1/invitations/ppi_[hidden]/accept"
    )
    assert loggable_path("/api/v1/prompts/1\n") == "/api/v1/prompts/1\\n"
