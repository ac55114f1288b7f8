"""an index for listing a site's videos newest first

Revision ID: 0005_core
Revises: 0004_core
Create Date: 2026-11-29 03:45:00
"""

from alembic import op

revision = "0005_core"
down_revision = "0004_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.create_index("ix_videos_site_id_created_at_id", ["site_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index("ix_videos_site_id_created_at_id")
