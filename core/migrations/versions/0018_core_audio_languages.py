"""audio languages: each HLS audio rendition's language, name and default flag on its media file

Revision ID: 0018_core
Revises: 0017_core
Create Date: 2026-12-07 11:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_core"
down_revision = "0017_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("label", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.drop_column("is_default")
        batch_op.drop_column("label")
        batch_op.drop_column("language")
