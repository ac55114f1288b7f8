"""channels and themes, home page blocks

Revision ID: 0006_core
Revises: 0009_core
Create Date: 2026-11-29 05:04:20.332853
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_core"
down_revision = "0009_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("open_to_all", sa.Boolean(), nullable=False),
        sa.Column("featured", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("banner_key", sa.String(length=500), nullable=False),
        sa.Column("banner_mime", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_channels_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("site_id", "slug", name=op.f("uq_channels_site_id_slug")),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channels_site_id"), ["site_id"], unique=False)

    op.create_table(
        "channel_managers",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_managers_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_channel_managers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_channel_managers")),
    )
    with op.batch_alter_table("channel_managers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_managers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_themes_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["themes.id"], name=op.f("fk_themes_parent_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("channel_id", "slug", name=op.f("uq_themes_channel_id_slug")),
    )
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_themes_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_themes_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "video_channels",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_video_channels_channel_id_channels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_video_channels_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("video_id", "channel_id", name=op.f("pk_video_channels")),
    )
    with op.batch_alter_table("video_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_channels_channel_id"), ["channel_id"], unique=False)

    op.create_table(
        "video_themes",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_video_themes_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_video_themes_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("video_id", "theme_id", name=op.f("pk_video_themes")),
    )
    with op.batch_alter_table("video_themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_themes_theme_id"), ["theme_id"], unique=False)

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_blocks", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("home_blocks")

    with op.batch_alter_table("video_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_themes_theme_id"))

    op.drop_table("video_themes")
    with op.batch_alter_table("video_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_channels_channel_id"))

    op.drop_table("video_channels")
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_themes_parent_id"))
        batch_op.drop_index(batch_op.f("ix_themes_channel_id"))

    op.drop_table("themes")
    with op.batch_alter_table("channel_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_managers_user_id"))

    op.drop_table("channel_managers")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channels_site_id"))

    op.drop_table("channels")
