"""kept audio tracks: an added track's file stays (kind audio-source) with where it starts, so that a re-encode
encodes it again instead of dropping it

Revision ID: 0020_core
Revises: 0019_core
Create Date: 2026-12-07 22:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_core"
down_revision = "0019_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("media_files", sa.Column("start_offset", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media_files", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("start_offset")
