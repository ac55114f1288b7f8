"""channels seen by members of chosen groups

Revision ID: 0010_core
Revises: 0007_core
Create Date: 2026-11-29 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_core"
down_revision = "0007_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_groups",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_groups_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_channel_groups_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel_id", "group_id", name=op.f("pk_channel_groups")),
    )
    with op.batch_alter_table("channel_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_groups_group_id"), ["group_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_groups_group_id"))
    op.drop_table("channel_groups")
