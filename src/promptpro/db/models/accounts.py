"""Who people are and how they prove it: users, sessions, passwords, OIDC, tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, CreatedAt, Timestamps
from promptpro.db.types import JSON, String, Text, UTCDateTime, utcnow


def new_user_id() -> str:
    """User ids are strings (the seed's OIDC `sub`); local accounts get a UUID."""
    return uuid.uuid4().hex


class User(Timestamps, Base):
    """A person. Usernames and emails are unique regardless of case."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String, primary_key=True, default=new_user_id)
    username: Mapped[str] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)
    first_name: Mapped[str | None] = mapped_column(String)
    last_name: Mapped[str | None] = mapped_column(String)
    bio: Mapped[str | None] = mapped_column(Text)
    profile_image_url: Mapped[str | None] = mapped_column(String)
    # The instance admin(s): the first account, and whoever `promptpro users promote` names.
    is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # A disabled account can't sign in, and its sessions and tokens are refused; its data stays.
    disabled: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # What the user's runs may cost in a calendar month (UTC), set by the instance admin;
    # None: no budget.
    monthly_budget_usd: Mapped[float | None]

    __table_args__ = (
        sa.Index("uq_users_username_lower", sa.func.lower(username), unique=True),
        sa.Index("uq_users_email_lower", sa.func.lower(email), unique=True),
    )


class Session(Base):
    """A server-side session (the seed's `sessions`); `user_id` lets a user's deletion end them."""

    __tablename__ = "sessions"

    sid: Mapped[str] = mapped_column(String, primary_key=True)
    sess: Mapped[dict[str, Any]] = mapped_column(JSON)
    expire: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[str | None] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )

    __table_args__ = (sa.Index("IDX_session_expire", expire),)


class PasswordCredential(Timestamps, Base):
    """A local account's argon2id password hash (one per user)."""

    __tablename__ = "password_credentials"

    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String)


class OidcIdentity(CreatedAt, Base):
    """Maps an OpenID Connect (issuer, subject) pair to a user."""

    __tablename__ = "oidc_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String)
    subject: Mapped[str] = mapped_column(String)

    __table_args__ = (sa.UniqueConstraint(issuer, subject),)


class AccessToken(CreatedAt, Base):
    """A personal access token; only the SHA-256 of its secret is kept."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String)
    token_hash: Mapped[str] = mapped_column(String, unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set: the token sees that workspace only (it goes with it). read_only: no writes.
    workspace_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    read_only: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class LoginAttempt(Base):
    """One failed sign-in, counted per username and per client address by the rate limiter.

    Kept in the database (not in memory) so that every worker process sees the same count.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String)  # "user:<lowercased name>" or "addr:<address>"
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_login_attempts_key_attempted_at", key, attempted_at),)
