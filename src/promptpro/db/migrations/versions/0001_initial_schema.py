"""The seed schema, corrected, with accounts and run records.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", promptpro.db.types.String(), nullable=False),
        sa.Column("username", promptpro.db.types.String(), nullable=False),
        sa.Column("email", promptpro.db.types.String(), nullable=True),
        sa.Column("first_name", promptpro.db.types.String(), nullable=True),
        sa.Column("last_name", promptpro.db.types.String(), nullable=True),
        sa.Column("bio", promptpro.db.types.Text(), nullable=True),
        sa.Column("profile_image_url", promptpro.db.types.String(), nullable=True),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(
        "uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_index(
        "uq_users_username_lower", "users", [sa.literal_column("lower(username)")], unique=True
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("name", promptpro.db.types.String(), nullable=False),
        sa.Column("token_hash", promptpro.db.types.String(), nullable=False),
        sa.Column("last_used_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", promptpro.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    op.create_index(op.f("ix_access_tokens_user_id"), "access_tokens", ["user_id"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("xai_key", promptpro.db.types.String(), nullable=True),
        sa.Column("openai_key", promptpro.db.types.String(), nullable=True),
        sa.Column("anthropic_key", promptpro.db.types.String(), nullable=True),
        sa.Column("gemini_key", promptpro.db.types.String(), nullable=True),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("user_id", name=op.f("uq_api_keys_user_id")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("name", promptpro.db.types.String(), nullable=False),
        sa.Column("description", promptpro.db.types.Text(), nullable=True),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_categories_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    op.create_index(op.f("ix_categories_user_id"), "categories", ["user_id"], unique=False)
    op.create_index(
        "uq_categories_user_id_name_lower",
        "categories",
        ["user_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "oidc_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("issuer", promptpro.db.types.String(), nullable=False),
        sa.Column("subject", promptpro.db.types.String(), nullable=False),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oidc_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_oidc_identities_issuer_subject")),
    )
    op.create_index(
        op.f("ix_oidc_identities_user_id"), "oidc_identities", ["user_id"], unique=False
    )
    op.create_table(
        "password_credentials",
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("password_hash", promptpro.db.types.String(), nullable=False),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_password_credentials")),
    )
    op.create_table(
        "sessions",
        sa.Column("sid", promptpro.db.types.String(), nullable=False),
        sa.Column("sess", promptpro.db.types.JSON(), nullable=False),
        sa.Column("expire", promptpro.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_sessions")),
    )
    op.create_index("IDX_session_expire", "sessions", ["expire"], unique=False)
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"], unique=False)
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("title", promptpro.db.types.String(), nullable=False),
        sa.Column("content", promptpro.db.types.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("model", promptpro.db.types.String(), nullable=True),
        sa.Column("parameters", promptpro.db.types.JSON(), nullable=True),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_prompts_category_id_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_prompts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
    )
    op.create_index(op.f("ix_prompts_category_id"), "prompts", ["category_id"], unique=False)
    op.create_index(
        "ix_prompts_user_id_updated_at_id", "prompts", ["user_id", "updated_at", "id"], unique=False
    )
    op.create_table(
        "prompt_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", promptpro.db.types.String(), nullable=False),
        sa.Column("content", promptpro.db.types.Text(), nullable=False),
        sa.Column("model", promptpro.db.types.String(), nullable=True),
        sa.Column("parameters", promptpro.db.types.JSON(), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_prompt_versions_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_versions")),
        sa.UniqueConstraint(
            "prompt_id", "version", name=op.f("uq_prompt_versions_prompt_id_version")
        ),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("content", promptpro.db.types.Text(), nullable=False),
        sa.Column("model", promptpro.db.types.String(), nullable=False),
        sa.Column("generation_time", sa.Double(), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("prompt_version_id", sa.Integer(), nullable=True),
        sa.Column("rendered_input", promptpro.db.types.Text(), nullable=True),
        sa.Column("parameters", promptpro.db.types.JSON(), nullable=True),
        sa.Column("variables", promptpro.db.types.JSON(), nullable=True),
        sa.Column(
            "status",
            promptpro.db.types.String(length=16),
            server_default="completed",
            nullable=False,
        ),
        sa.Column("error", promptpro.db.types.JSON(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Double(), nullable=True),
        sa.Column("time_to_first_token", sa.Double(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'cancelled')",
            name=op.f("ck_responses_status"),
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_responses_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_version_id"],
            ["prompt_versions.id"],
            name=op.f("fk_responses_prompt_version_id_prompt_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
    )
    op.create_index(
        "ix_responses_prompt_id_created_at_id",
        "responses",
        ["prompt_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_responses_prompt_id_created_at_id", table_name="responses")
    op.drop_table("responses")
    op.drop_table("prompt_versions")
    op.drop_index("ix_prompts_user_id_updated_at_id", table_name="prompts")
    op.drop_index(op.f("ix_prompts_category_id"), table_name="prompts")
    op.drop_table("prompts")
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_index("IDX_session_expire", table_name="sessions")
    op.drop_table("sessions")
    op.drop_table("password_credentials")
    op.drop_index(op.f("ix_oidc_identities_user_id"), table_name="oidc_identities")
    op.drop_table("oidc_identities")
    op.drop_index("uq_categories_user_id_name_lower", table_name="categories")
    op.drop_index(op.f("ix_categories_user_id"), table_name="categories")
    op.drop_table("categories")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_access_tokens_user_id"), table_name="access_tokens")
    op.drop_table("access_tokens")
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
