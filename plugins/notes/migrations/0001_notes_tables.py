"""notes tables

Revision ID: 0001_notes
Revises:
Create Date: 2026-11-29 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_notes"
down_revision = None
branch_labels = ("notes",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "notes_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("time", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_notes_notes_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["notes_notes.id"], name=op.f("fk_notes_notes_parent_id_notes_notes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_notes_notes_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_notes_notes_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes_notes")),
    )
    with op.batch_alter_table("notes_notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_notes_author_video", ["author_id", "video_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notes_notes_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_notes_notes_video_kind", ["video_id", "kind"], unique=False)

    op.create_table(
        "notes_comments_off",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_notes_comments_off_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_notes_comments_off_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_notes_comments_off")),
    )
    with op.batch_alter_table("notes_comments_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_comments_off_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_table("notes_comments_off")
    op.drop_table("notes_notes")
