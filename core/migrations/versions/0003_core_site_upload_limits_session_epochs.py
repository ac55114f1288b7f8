"""per-site upload limits, session epochs (revocable sessions)

Revision ID: 0003_core
Revises: 0002_core
Create Date: 2026-11-29 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_core"
down_revision = "0002_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_max_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("upload_user_quota", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("upload_user_quota")
        batch_op.drop_column("upload_max_size")
