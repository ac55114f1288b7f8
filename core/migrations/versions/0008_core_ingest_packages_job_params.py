"""media packages in progress (ingest protocols) and job parameters

Revision ID: 0008_core
Revises: 0006_core
Create Date: 2026-11-29 05:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_core"
down_revision = "0006_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_packages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("principal_data", sa.JSON(), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_ingest_packages_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ingest_packages_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_ingest_packages_video_id_videos"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_packages")),
    )
    with op.batch_alter_table("ingest_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_packages_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingest_packages_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingest_packages_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("params")
    op.drop_table("ingest_packages")
