"""playlists tables

Revision ID: 0001_playlists
Revises:
Create Date: 2026-11-29 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_playlists"
down_revision = None
branch_labels = ("playlists",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "playlists_playlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("favourites", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_playlists_playlists_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_playlists_playlists_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists_playlists")),
        sa.UniqueConstraint("token", name=op.f("uq_playlists_playlists_token")),
    )
    with op.batch_alter_table("playlists_playlists", schema=None) as batch_op:
        batch_op.create_index("ix_playlists_playlists_owner", ["owner_id", "favourites"], unique=False)
        batch_op.create_index("ix_playlists_playlists_site_visibility", ["site_id", "visibility"], unique=False)

    op.create_table(
        "playlists_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists_playlists.id"],
            name=op.f("fk_playlists_items_playlist_id_playlists_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_playlists_items_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists_items")),
        sa.UniqueConstraint("playlist_id", "video_id", name=op.f("uq_playlists_items_playlist_id_video_id")),
    )
    with op.batch_alter_table("playlists_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playlists_items_video_id"), ["video_id"], unique=False)


def downgrade() -> None:
    op.drop_table("playlists_items")
    op.drop_table("playlists_playlists")
