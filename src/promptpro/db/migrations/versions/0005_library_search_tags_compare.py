"""Finding and organising a library: full-text search, tags, favourites, sorts, compare groups.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Search is the database's own: on PostgreSQL GIN indexes over `to_tsvector('simple', …)`
expressions (the text search queries repeat the same expressions, see storage/search.py);
on SQLite FTS5 tables with external content, kept in step with `prompts` and `responses`
by triggers. A later revision that rebuilds `prompts` or `responses` on SQLite (batch
mode "move and copy") drops their triggers with the old table and must create them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import promptpro.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept identical to storage/search.py: PostgreSQL uses an expression index only for a
# query that repeats its expression exactly.
PROMPT_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, title), 'A'::\"char\")"
    " || setweight(to_tsvector('simple'::regconfig, content), 'B'::\"char\"))"
)
RESPONSE_VECTOR = "to_tsvector('simple'::regconfig, content)"

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE prompts_fts USING fts5(title, content, content='prompts',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER prompts_fts_insert AFTER INSERT ON prompts BEGIN"
    " INSERT INTO prompts_fts(rowid, title, content) VALUES (new.id, new.title, new.content);"
    " END",
    "CREATE TRIGGER prompts_fts_delete AFTER DELETE ON prompts BEGIN"
    " INSERT INTO prompts_fts(prompts_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content); END",
    "CREATE TRIGGER prompts_fts_update AFTER UPDATE OF title, content ON prompts BEGIN"
    " INSERT INTO prompts_fts(prompts_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content);"
    " INSERT INTO prompts_fts(rowid, title, content) VALUES (new.id, new.title, new.content);"
    " END",
    "INSERT INTO prompts_fts(prompts_fts) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE responses_fts USING fts5(content, content='responses',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses BEGIN"
    " INSERT INTO responses_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses BEGIN"
    " INSERT INTO responses_fts(responses_fts, rowid, content)"
    " VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER responses_fts_update AFTER UPDATE OF content ON responses BEGIN"
    " INSERT INTO responses_fts(responses_fts, rowid, content)"
    " VALUES ('delete', old.id, old.content);"
    " INSERT INTO responses_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO responses_fts(responses_fts) VALUES ('rebuild')",
    # prompts.run_count follows the responses.
    "CREATE TRIGGER responses_count_insert AFTER INSERT ON responses BEGIN"
    " UPDATE prompts SET run_count = run_count + 1 WHERE id = new.prompt_id; END",
    "CREATE TRIGGER responses_count_delete AFTER DELETE ON responses BEGIN"
    " UPDATE prompts SET run_count = run_count - 1 WHERE id = old.prompt_id; END",
]
SQLITE_SEARCH_DOWN = [
    "DROP TRIGGER IF EXISTS responses_count_delete",
    "DROP TRIGGER IF EXISTS responses_count_insert",
    "DROP TRIGGER IF EXISTS responses_fts_update",
    "DROP TRIGGER IF EXISTS responses_fts_delete",
    "DROP TRIGGER IF EXISTS responses_fts_insert",
    "DROP TABLE IF EXISTS responses_fts",
    "DROP TRIGGER IF EXISTS prompts_fts_update",
    "DROP TRIGGER IF EXISTS prompts_fts_delete",
    "DROP TRIGGER IF EXISTS prompts_fts_insert",
    "DROP TABLE IF EXISTS prompts_fts",
]
POSTGRES_SEARCH = [
    f"CREATE INDEX ix_prompts_search ON prompts USING gin ({PROMPT_VECTOR})",
    f"CREATE INDEX ix_responses_search ON responses USING gin (({RESPONSE_VECTOR}))",
    """CREATE FUNCTION promptpro_count_runs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE prompts SET run_count = run_count + 1 WHERE id = NEW.prompt_id;
        ELSE
            UPDATE prompts SET run_count = run_count - 1 WHERE id = OLD.prompt_id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER responses_count_runs AFTER INSERT OR DELETE ON responses"
    " FOR EACH ROW EXECUTE FUNCTION promptpro_count_runs()",
]
POSTGRES_SEARCH_DOWN = [
    "DROP TRIGGER IF EXISTS responses_count_runs ON responses",
    "DROP FUNCTION IF EXISTS promptpro_count_runs()",
    "DROP INDEX IF EXISTS ix_responses_search",
    "DROP INDEX IF EXISTS ix_prompts_search",
]


def upgrade() -> None:
    op.create_table(
        "prompt_tags",
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("tag", promptpro.db.types.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_prompt_tags_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prompt_id", "tag", name=op.f("pk_prompt_tags")),
    )
    op.create_index("ix_prompt_tags_tag_prompt_id", "prompt_tags", ["tag", "prompt_id"])
    op.create_table(
        "favourites",
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favourites_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_favourites_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "prompt_id", name=op.f("pk_favourites")),
    )
    op.create_index(op.f("ix_favourites_prompt_id"), "favourites", ["prompt_id"])
    op.create_table(
        "compare_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", promptpro.db.types.String(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("winner_response_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            promptpro.db.types.UTCDateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_compare_groups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_compare_groups_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["winner_response_id"],
            ["responses.id"],
            name=op.f("fk_compare_groups_winner_response_id_responses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compare_groups")),
    )
    op.create_index(op.f("ix_compare_groups_user_id"), "compare_groups", ["user_id"])
    op.create_index(op.f("ix_compare_groups_prompt_id"), "compare_groups", ["prompt_id"])
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("compare_group_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_responses_compare_group_id_compare_groups"),
            "compare_groups",
            ["compare_group_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_responses_compare_group_id"), ["compare_group_id"])
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("run_count", sa.Integer(), server_default="0", nullable=False))
        batch.create_index("ix_prompts_user_id_created_at_id", ["user_id", "created_at", "id"])
        batch.create_index("ix_prompts_user_id_run_count_id", ["user_id", "run_count", "id"])
    op.create_index(
        "ix_prompts_user_id_title_lower_id",
        "prompts",
        ["user_id", sa.literal_column("lower(title)"), "id"],
    )
    # Prompts that were run before this revision start with their real count.
    op.execute(
        "UPDATE prompts SET run_count ="
        " (SELECT count(*) FROM responses WHERE responses.prompt_id = prompts.id)"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_SEARCH if sqlite else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_SEARCH_DOWN if sqlite else POSTGRES_SEARCH_DOWN:
        op.execute(statement)
    op.drop_index("ix_prompts_user_id_title_lower_id", table_name="prompts")
    with op.batch_alter_table("prompts") as batch:
        batch.drop_index("ix_prompts_user_id_run_count_id")
        batch.drop_index("ix_prompts_user_id_created_at_id")
        batch.drop_column("run_count")
    with op.batch_alter_table("responses") as batch:
        batch.drop_index(op.f("ix_responses_compare_group_id"))
        batch.drop_constraint(
            op.f("fk_responses_compare_group_id_compare_groups"), type_="foreignkey"
        )
        batch.drop_column("compare_group_id")
    op.drop_index(op.f("ix_compare_groups_prompt_id"), table_name="compare_groups")
    op.drop_index(op.f("ix_compare_groups_user_id"), table_name="compare_groups")
    op.drop_table("compare_groups")
    op.drop_index(op.f("ix_favourites_prompt_id"), table_name="favourites")
    op.drop_table("favourites")
    op.drop_index("ix_prompt_tags_tag_prompt_id", table_name="prompt_tags")
    op.drop_table("prompt_tags")
