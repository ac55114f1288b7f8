"""audio languages: each HLS audio rendition's language, name and default flag on its media file

Revision ID: 0018_core
Revises: 0017_core
Create Date: 2026-12-07 11:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_core"
down_revision = "0017_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds the table (a Boolean brings a CHECK): it must keep AUTOINCREMENT (ids never reused).
    with op.batch_alter_table("media_files", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("label", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False))
    # A video encoded before had one audio rendition, recorded as the playlist of a rendition named "audio".
    media = sa.table(
        "media_files",
        sa.column("kind", sa.String),
        sa.column("rendition", sa.String),
        sa.column("label", sa.String),
        sa.column("is_default", sa.Boolean),
    )
    op.execute(
        media.update()
        .where(media.c.kind == "hls-playlist", media.c.rendition == "audio")
        .values(kind="hls-audio", label="Audio", is_default=True)
    )


def downgrade() -> None:
    media = sa.table("media_files", sa.column("kind", sa.String), sa.column("rendition", sa.String))
    op.execute(
        media.update().where(media.c.kind == "hls-audio", media.c.rendition == "audio").values(kind="hls-playlist")
    )
    op.execute(media.delete().where(media.c.kind == "hls-audio"))  # renditions the old code cannot list
    # SQLite rebuilds the table (a Boolean brings a CHECK): it must keep AUTOINCREMENT (ids never reused).
    with op.batch_alter_table("media_files", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("is_default")
        batch_op.drop_column("label")
        batch_op.drop_column("language")
