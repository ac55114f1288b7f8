"""bbb tables: servers, meetings and their people, recordings, webhooks (the plugin's own branch)

Revision ID: 0001_bbb
Revises:
Create Date: 2026-12-07 15:07:33.553839
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_bbb"
down_revision = None
branch_labels = ("bbb",)
depends_on = "0018_core"


def upgrade() -> None:
    op.create_table(
        "bbb_servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("checksum_algorithm", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("streaming_mode", sa.String(length=16), nullable=False),
        sa.Column("gateway_url", sa.String(length=500), nullable=False),
        sa.Column("gateway_token", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("webhook_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_bbb_servers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bbb_servers")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_bbb_servers_site_id_name")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bbb_servers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bbb_servers_site_id"), ["site_id"], unique=False)

    op.create_table(
        "bbb_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repeat", sa.String(length=8), nullable=False),
        sa.Column("repeat_until", sa.Date(), nullable=True),
        sa.Column("welcome", sa.Text(), nullable=False),
        sa.Column("record", sa.Boolean(), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("guest_policy", sa.String(length=16), nullable=False),
        sa.Column("attendees_mode", sa.String(length=16), nullable=False),
        sa.Column("link_token", sa.String(length=64), nullable=False),
        sa.Column("moderator_password", sa.String(length=64), nullable=False),
        sa.Column("attendee_password", sa.String(length=64), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_bbb_meetings_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["server_id"], ["bbb_servers.id"], name=op.f("fk_bbb_meetings_server_id_bbb_servers"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_bbb_meetings_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bbb_meetings")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_bbb_meetings_meeting_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bbb_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bbb_meetings_server_id"), ["server_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bbb_meetings_site_id"), ["site_id"], unique=False)

    op.create_table(
        "bbb_webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("hook_id", sa.String(length=64), nullable=False),
        sa.Column("callback_url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["server_id"], ["bbb_servers.id"], name=op.f("fk_bbb_webhooks_server_id_bbb_servers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bbb_webhooks")),
        sa.UniqueConstraint("server_id", name=op.f("uq_bbb_webhooks_server_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "bbb_meeting_attendee_groups",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_bbb_meeting_attendee_groups_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_meeting_attendee_groups_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "group_id", name=op.f("pk_bbb_meeting_attendee_groups")),
    )
    op.create_table(
        "bbb_meeting_attendees",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_meeting_attendees_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bbb_meeting_attendees_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_bbb_meeting_attendees")),
    )
    op.create_table(
        "bbb_meeting_moderator_groups",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_bbb_meeting_moderator_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_meeting_moderator_groups_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "group_id", name=op.f("pk_bbb_meeting_moderator_groups")),
    )
    op.create_table(
        "bbb_meeting_moderators",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_meeting_moderators_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bbb_meeting_moderators_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_bbb_meeting_moderators")),
    )
    op.create_table(
        "bbb_meeting_owners",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_meeting_owners_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bbb_meeting_owners_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_bbb_meeting_owners")),
    )
    op.create_table(
        "bbb_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.String(length=256), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["bbb_meetings.id"],
            name=op.f("fk_bbb_recordings_meeting_id_bbb_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["server_id"], ["bbb_servers.id"], name=op.f("fk_bbb_recordings_server_id_bbb_servers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_bbb_recordings_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_bbb_recordings_video_id_videos"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bbb_recordings")),
        sa.UniqueConstraint("server_id", "record_id", name=op.f("uq_bbb_recordings_server_id_record_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bbb_recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bbb_recordings_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bbb_recordings_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bbb_recordings_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bbb_recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bbb_recordings_state"))
        batch_op.drop_index(batch_op.f("ix_bbb_recordings_site_id"))
        batch_op.drop_index(batch_op.f("ix_bbb_recordings_meeting_id"))

    op.drop_table("bbb_recordings")
    op.drop_table("bbb_meeting_owners")
    op.drop_table("bbb_meeting_moderators")
    op.drop_table("bbb_meeting_moderator_groups")
    op.drop_table("bbb_meeting_attendees")
    op.drop_table("bbb_meeting_attendee_groups")
    op.drop_table("bbb_webhooks")
    with op.batch_alter_table("bbb_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bbb_meetings_site_id"))
        batch_op.drop_index(batch_op.f("ix_bbb_meetings_server_id"))

    op.drop_table("bbb_meetings")
    with op.batch_alter_table("bbb_servers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bbb_servers_site_id"))

    op.drop_table("bbb_servers")
