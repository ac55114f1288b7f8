"""bbb: importing recordings as videos (the claim's worker and heartbeat, retries, deletion on the
server) and the channel a meeting's recordings go to

Revision ID: 0002_bbb
Revises: 0001_bbb
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_bbb"
down_revision = "0001_bbb"
branch_labels = None
depends_on = None

MOMENTS = ("queued_at", "heartbeat_at", "retry_at", "deleted_at")
#: SQLite's batch mode copies the tables: the copies keep AUTOINCREMENT (a deleted row's id never comes back).
NUMBERED = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("bbb_recordings", schema=None, table_kwargs=NUMBERED) as batch_op:
        batch_op.add_column(sa.Column("worker", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("error_detail", sa.Text(), nullable=False, server_default=""))
        for name in MOMENTS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("bbb_recordings", schema=None, table_kwargs=NUMBERED) as batch_op:
        batch_op.alter_column("worker", server_default=None)
        batch_op.alter_column("error_detail", server_default=None)
    with op.batch_alter_table("bbb_meetings", schema=None, table_kwargs=NUMBERED) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_bbb_meetings_channel_id"), ["channel_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_bbb_meetings_channel_id_channels"), "channels", ["channel_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("bbb_meetings", schema=None, table_kwargs=NUMBERED) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_bbb_meetings_channel_id_channels"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_bbb_meetings_channel_id"))
        batch_op.drop_column("channel_id")
    with op.batch_alter_table("bbb_recordings", schema=None, table_kwargs=NUMBERED) as batch_op:
        for name in reversed(MOMENTS):
            batch_op.drop_column(name)
        batch_op.drop_column("error_detail")
        batch_op.drop_column("worker")
