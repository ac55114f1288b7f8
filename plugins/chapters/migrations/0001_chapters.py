"""chapters table

Revision ID: 0001_chapters
Revises:
Create Date: 2026-11-29 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_chapters"
down_revision = None
branch_labels = ("chapters",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_chapters_site_id_sites"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_chapters_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapters")),
        sa.UniqueConstraint("video_id", "start_ms", name=op.f("uq_chapters_video_id_start_ms")),
    )
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapters_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chapters_video_id"), ["video_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapters_video_id"))
        batch_op.drop_index(batch_op.f("ix_chapters_site_id"))
    op.drop_table("chapters")
