"""job enqueued_at: when a queued job's message was sent, so the sweeper resends only a lost one

Revision ID: 0019_core
Revises: 0018_core
Create Date: 2026-12-07 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_core"
down_revision = "0018_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True))
    jobs = sa.table("jobs", sa.column("enqueued_at"), sa.column("created_at"))
    op.execute(jobs.update().values(enqueued_at=jobs.c.created_at))  # a queued job's message was sent then


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("enqueued_at")
