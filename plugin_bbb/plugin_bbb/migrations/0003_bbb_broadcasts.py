"""bbb broadcasts: meetings streamed into live events, and the chat messages carried across

Revision ID: 0003_bbb
Revises: 0002_bbb
Create Date: 2026-12-09 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_bbb"
down_revision = "0002_bbb"
branch_labels = None
depends_on = None


def when(name: str, nullable: bool = False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "bbb_broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),  # the live plugin's, without a foreign key
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("show_meeting_chat", sa.Boolean(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        when("created_at"),
        when("on_air_at", nullable=True),
        when("ended_at", nullable=True),
        sa.Column("stop_reason", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=False),
        when("lease_expires_at", nullable=True),
        when("alone_since", nullable=True),
        when("updated_at"),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_bbb_broadcasts_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_broadcasts_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_bbb_broadcasts_started_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bbb_broadcasts")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bbb_broadcasts", schema=None) as batch_op:
        batch_op.create_index("ix_bbb_broadcasts_state", ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_bbb_broadcasts_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bbb_broadcasts_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bbb_broadcasts_event_id"), ["event_id"], unique=False)

    op.create_table(
        "bbb_broadcast_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("echoed", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        when("created_at"),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["bbb_broadcasts.id"],
            name=op.f("fk_bbb_broadcast_messages_broadcast_id_bbb_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bbb_broadcast_messages")),
        sa.UniqueConstraint(
            "broadcast_id",
            "direction",
            "source_id",
            name=op.f("uq_bbb_broadcast_messages_broadcast_id_direction_source_id"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bbb_broadcast_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bbb_broadcast_messages_broadcast_id"), ["broadcast_id"], unique=False)


def downgrade() -> None:
    op.drop_table("bbb_broadcast_messages")
    op.drop_table("bbb_broadcasts")
