"""hello greetings (the plugin's own alembic branch)

Revision ID: 0001_hello
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_hello"
down_revision = None
branch_labels = ("hello",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "hello_greetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_hello_greetings_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_hello_greetings_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_greetings")),
    )
    op.create_index(op.f("ix_hello_greetings_site_id"), "hello_greetings", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hello_greetings_site_id"), table_name="hello_greetings")
    op.drop_table("hello_greetings")
