"""the plugin that owns a text track, and when it last changed

Revision ID: 0009_core
Revises: 0005_core
Create Date: 2026-11-29 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_core"
down_revision = "0005_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plugin", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("plugin")
