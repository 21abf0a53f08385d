"""An index for a workspace's audit log: events by workspace, newest first.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The workspace's Audit tab and GET /workspaces/{id}/audit read one workspace's events
    # newest first (by id): without it, that walked every event of the instance.
    op.create_index(
        "ix_audit_events_workspace_id_id", "audit_events", ["workspace_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_workspace_id_id", table_name="audit_events")
