"""sites: who may watch a new upload once it is ready (the upload page's preselected access)

Revision ID: 0015_core
Revises: 0014_core
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_core"
down_revision = "0014_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_access", sa.String(length=16), server_default="draft", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("upload_access")
