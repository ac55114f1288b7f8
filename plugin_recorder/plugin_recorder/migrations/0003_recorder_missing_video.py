"""recorder: when the manager was told that no video arrived for a scheduled recording

Revision ID: 0003_recorder
Revises: 0002_recorder
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_recorder"
down_revision = "0002_recorder"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recorder_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missing_reported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recorder_events", schema=None) as batch_op:
        batch_op.drop_column("missing_reported_at")
