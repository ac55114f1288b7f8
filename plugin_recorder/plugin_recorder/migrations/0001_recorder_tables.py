"""recorder tables: recorders, their schedule, drop-folder files, pending recordings (the plugin's own branch)

Revision ID: 0001_recorder
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_recorder"
down_revision = None
branch_labels = ("recorder",)
depends_on = "0005_core"


def upgrade() -> None:
    op.create_table(
        "recorder_recorders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("digest_ha1", sa.String(length=64), nullable=False),
        sa.Column("push_token_hash", sa.String(length=64), nullable=False),
        sa.Column("drop_folder", sa.String(length=500), nullable=False),
        sa.Column("stable_seconds", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("default_owner_id", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("auto_publish", sa.Boolean(), nullable=False),
        sa.Column("agent_state", sa.String(length=16), nullable=False),
        sa.Column("agent_address", sa.String(length=500), nullable=False),
        sa.Column("agent_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_configuration", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_owner_id"],
            ["users.id"],
            name=op.f("fk_recorder_recorders_default_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_recorder_recorders_manager_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_recorder_recorders_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorder_recorders")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_recorder_recorders_site_id_name")),
        sa.UniqueConstraint("site_id", "username", name=op.f("uq_recorder_recorders_site_id_username")),
    )
    op.create_index(
        op.f("ix_recorder_recorders_default_owner_id"), "recorder_recorders", ["default_owner_id"], unique=False
    )
    op.create_index(op.f("ix_recorder_recorders_manager_id"), "recorder_recorders", ["manager_id"], unique=False)
    op.create_index(
        op.f("ix_recorder_recorders_push_token_hash"), "recorder_recorders", ["push_token_hash"], unique=False
    )
    op.create_index(op.f("ix_recorder_recorders_site_id"), "recorder_recorders", ["site_id"], unique=False)
    op.create_table(
        "recorder_drop_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorder_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["recorder_recorders.id"],
            name=op.f("fk_recorder_drop_files_recorder_id_recorder_recorders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_recorder_drop_files_video_id_videos"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorder_drop_files")),
        sa.UniqueConstraint(
            "recorder_id",
            "name",
            "size",
            "mtime_ns",
            name=op.f("uq_recorder_drop_files_recorder_id_name_size_mtime_ns"),
        ),
    )
    op.create_index(op.f("ix_recorder_drop_files_recorder_id"), "recorder_drop_files", ["recorder_id"], unique=False)
    op.create_table(
        "recorder_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorder_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("room", sa.String(length=200), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_recorder_events_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["recorder_recorders.id"],
            name=op.f("fk_recorder_events_recorder_id_recorder_recorders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_recorder_events_video_id_videos"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorder_events")),
        sa.UniqueConstraint("uid", name=op.f("uq_recorder_events_uid")),
    )
    op.create_index(op.f("ix_recorder_events_owner_id"), "recorder_events", ["owner_id"], unique=False)
    op.create_index(op.f("ix_recorder_events_recorder_id"), "recorder_events", ["recorder_id"], unique=False)
    op.create_index(op.f("ix_recorder_events_start"), "recorder_events", ["start"], unique=False)
    op.create_table(
        "recorder_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("recorder_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["recorder_events.id"],
            name=op.f("fk_recorder_pending_event_id_recorder_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["recorder_recorders.id"],
            name=op.f("fk_recorder_pending_recorder_id_recorder_recorders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_recorder_pending_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_recorder_pending_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorder_pending")),
        sa.UniqueConstraint("video_id", name=op.f("uq_recorder_pending_video_id")),
    )
    op.create_index(op.f("ix_recorder_pending_recorder_id"), "recorder_pending", ["recorder_id"], unique=False)
    op.create_index(op.f("ix_recorder_pending_site_id"), "recorder_pending", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_recorder_pending_site_id"), table_name="recorder_pending")
    op.drop_index(op.f("ix_recorder_pending_recorder_id"), table_name="recorder_pending")
    op.drop_table("recorder_pending")
    op.drop_index(op.f("ix_recorder_events_start"), table_name="recorder_events")
    op.drop_index(op.f("ix_recorder_events_recorder_id"), table_name="recorder_events")
    op.drop_index(op.f("ix_recorder_events_owner_id"), table_name="recorder_events")
    op.drop_table("recorder_events")
    op.drop_index(op.f("ix_recorder_drop_files_recorder_id"), table_name="recorder_drop_files")
    op.drop_table("recorder_drop_files")
    op.drop_index(op.f("ix_recorder_recorders_site_id"), table_name="recorder_recorders")
    op.drop_index(op.f("ix_recorder_recorders_push_token_hash"), table_name="recorder_recorders")
    op.drop_index(op.f("ix_recorder_recorders_manager_id"), table_name="recorder_recorders")
    op.drop_index(op.f("ix_recorder_recorders_default_owner_id"), table_name="recorder_recorders")
    op.drop_table("recorder_recorders")
