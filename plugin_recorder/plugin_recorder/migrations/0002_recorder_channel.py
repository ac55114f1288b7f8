"""recorder: the channel a recorder publishes into

Revision ID: 0002_recorder
Revises: 0001_recorder
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_recorder"
down_revision = "0001_recorder"
branch_labels = None
depends_on = "0006_core"  # the channels table


def upgrade() -> None:
    with op.batch_alter_table("recorder_recorders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_recorder_recorders_channel_id"), ["channel_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_recorder_recorders_channel_id_channels"),
            "channels",
            ["channel_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("recorder_recorders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_recorder_recorders_channel_id_channels"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_recorder_recorders_channel_id"))
        batch_op.drop_column("channel_id")
