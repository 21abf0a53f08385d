"""Workspaces: every user's personal one, team ones, memberships with roles; categories
and prompts move into their author's personal workspace; responses record who ran them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

`workspace_id` is added nullable, filled, then made NOT NULL with its foreign key: on
SQLite that is a batch rebuild ("move and copy") of `categories` and `prompts`, which drops
the table's triggers and expression indexes. So the expression indexes are dropped first
and made again after, and 0005's triggers on `prompts` (search) and the ones on
`responses` that name `prompts` (run counts: SQLite refuses to rename the rebuilt table
into place while a trigger names the dropped one) are made again exactly as 0005 makes
them; the full-text index itself is untouched (its rows are keyed by prompt id, kept).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0005's triggers on `prompts`, made again after the downgrade's rebuild of the table.
SQLITE_PROMPT_TRIGGERS = [
    "CREATE TRIGGER prompts_fts_insert AFTER INSERT ON prompts BEGIN"
    " INSERT INTO prompts_fts(rowid, title, content)"
    " VALUES (new.id, new.title, new.content); END",
    "CREATE TRIGGER prompts_fts_delete AFTER DELETE ON prompts BEGIN"
    " INSERT INTO prompts_fts(prompts_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content); END",
    "CREATE TRIGGER prompts_fts_update AFTER UPDATE OF title, content ON prompts BEGIN"
    " INSERT INTO prompts_fts(prompts_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content);"
    " INSERT INTO prompts_fts(rowid, title, content)"
    " VALUES (new.id, new.title, new.content); END",
    # On `responses`, but naming `prompts`: dropped before the rebuild, made again after.
    "CREATE TRIGGER responses_count_insert AFTER INSERT ON responses BEGIN"
    " UPDATE prompts SET run_count = run_count + 1 WHERE id = new.prompt_id; END",
    "CREATE TRIGGER responses_count_delete AFTER DELETE ON responses BEGIN"
    " UPDATE prompts SET run_count = run_count - 1 WHERE id = old.prompt_id; END",
]

OLD_PROMPT_INDEXES = {
    "ix_prompts_user_id_updated_at_id": ["user_id", "updated_at", "id"],
    "ix_prompts_user_id_created_at_id": ["user_id", "created_at", "id"],
    "ix_prompts_user_id_run_count_id": ["user_id", "run_count", "id"],
}
NEW_PROMPT_INDEXES = {
    "ix_prompts_workspace_id_updated_at_id": ["workspace_id", "updated_at", "id"],
    "ix_prompts_workspace_id_created_at_id": ["workspace_id", "created_at", "id"],
    "ix_prompts_workspace_id_run_count_id": ["workspace_id", "run_count", "id"],
}


def _drop_count_triggers(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS responses_count_insert")
        op.execute("DROP TRIGGER IF EXISTS responses_count_delete")


def _make_triggers_again(sqlite: bool) -> None:
    """After a rebuild of `prompts` on SQLite: its search triggers and the run counts'."""
    if sqlite:
        for statement in SQLITE_PROMPT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
            op.execute(statement)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", promptpro.db.types.String(), nullable=False),
        sa.Column("personal_user_id", promptpro.db.types.String(), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["personal_user_id"],
            ["users.id"],
            name=op.f("fk_workspaces_personal_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("personal_user_id", name=op.f("uq_workspaces_personal_user_id")),
    )
    op.create_table(
        "workspace_members",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("role", promptpro.db.types.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'editor', 'viewer')",
            name=op.f("ck_workspace_members_role"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_members_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_workspace_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_workspace_members")),
    )
    op.create_index(op.f("ix_workspace_members_user_id"), "workspace_members", ["user_id"])

    # Every existing user gets a personal workspace, owned by them.
    op.execute(
        "INSERT INTO workspaces (name, personal_user_id, created_at, updated_at)"
        " SELECT 'Personal', id, created_at, created_at FROM users"
    )
    op.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role, created_at)"
        " SELECT id, personal_user_id, 'owner', created_at FROM workspaces"
    )

    # Categories and prompts move into their author's personal workspace.
    op.drop_index("uq_categories_user_id_name_lower", table_name="categories")
    op.drop_index("ix_prompts_user_id_title_lower_id", table_name="prompts")
    _drop_count_triggers(sqlite)
    for table in ("categories", "prompts"):
        op.add_column(table, sa.Column("workspace_id", sa.Integer(), nullable=True))
        op.execute(
            f"UPDATE {table} SET workspace_id = (SELECT w.id FROM workspaces w"  # noqa: S608
            f" WHERE w.personal_user_id = {table}.user_id)"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("workspace_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(
                f"fk_{table}_workspace_id_workspaces",
                "workspaces",
                ["workspace_id"],
                ["id"],
                ondelete="CASCADE",
            )
    _make_triggers_again(sqlite)
    op.create_index(op.f("ix_categories_workspace_id"), "categories", ["workspace_id"])
    op.create_index(
        "uq_categories_workspace_id_name_lower",
        "categories",
        ["workspace_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    for name in OLD_PROMPT_INDEXES:
        op.drop_index(name, table_name="prompts")
    for name, columns in NEW_PROMPT_INDEXES.items():
        op.create_index(name, "prompts", columns)
    op.create_index(
        "ix_prompts_workspace_id_title_lower_id",
        "prompts",
        ["workspace_id", sa.literal_column("lower(title)"), "id"],
    )
    op.add_column("responses", sa.Column("run_by_id", promptpro.db.types.String(), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_column("responses", "run_by_id")
    op.drop_index("ix_prompts_workspace_id_title_lower_id", table_name="prompts")
    for name in NEW_PROMPT_INDEXES:
        op.drop_index(name, table_name="prompts")
    op.drop_index("uq_categories_workspace_id_name_lower", table_name="categories")
    op.drop_index(op.f("ix_categories_workspace_id"), table_name="categories")
    _drop_count_triggers(sqlite)
    for table in ("categories", "prompts"):
        # SQLite drops a column with a foreign key only by rebuilding the table.
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_workspace_id_workspaces", type_="foreignkey")
            batch.drop_column("workspace_id")
    _make_triggers_again(sqlite)
    # Back to one library per author: a name two of an author's workspaces shared is
    # told apart by its id, so the per-user unique index can return.
    op.execute(
        "UPDATE categories SET name = name || ' (' || id || ')' WHERE EXISTS"
        " (SELECT 1 FROM categories c2 WHERE c2.user_id = categories.user_id"
        " AND lower(c2.name) = lower(categories.name) AND c2.id < categories.id)"
    )
    op.create_index(
        "uq_categories_user_id_name_lower",
        "categories",
        ["user_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    for name, columns in OLD_PROMPT_INDEXES.items():
        op.create_index(name, "prompts", columns)
    op.create_index(
        "ix_prompts_user_id_title_lower_id",
        "prompts",
        ["user_id", sa.literal_column("lower(title)"), "id"],
    )
    op.drop_index(op.f("ix_workspace_members_user_id"), table_name="workspace_members")
    op.drop_table("workspace_members")
    op.drop_table("workspaces")
