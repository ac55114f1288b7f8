"""xapi: the viewings followed, the outbox of statements for the LRS, each site's delivery state

Revision ID: 0001_xapi
Revises:
Create Date: 2026-12-07 18:54:48
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_xapi"
down_revision = None
branch_labels = ("xapi",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "xapi_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_xapi_outbox_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_outbox")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_xapi_outbox_statement_id")),
        sqlite_autoincrement=True,  # ids never reused
    )
    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_outbox_site_due", ["site_id", "failed", "next_attempt_at"], unique=False)
    op.create_table(
        "xapi_status",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_xapi_status_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_xapi_status")),
    )
    op.create_table(
        "xapi_viewings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("viewer", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_xapi_viewings_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_xapi_viewings_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_viewings")),
    )
    with op.batch_alter_table("xapi_viewings", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_viewings_started_at", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_table("xapi_viewings")
    op.drop_table("xapi_status")
    op.drop_table("xapi_outbox")
