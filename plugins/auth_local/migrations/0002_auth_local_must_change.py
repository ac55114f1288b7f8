"""auth_local: a password someone else set must be changed by its owner at the next sign-in

Revision ID: 0002_auth_local
Revises: 0001_auth_local
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_auth_local"
down_revision = "0001_auth_local"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_local_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("auth_local_credentials", schema=None) as batch_op:
        batch_op.drop_column("must_change")
