"""site pages: the accessibility statement, legal notice, privacy and contact pages each site edits;
a site's RGAA conformance state

Revision ID: 0017_core
Revises: 0016_core
Create Date: 2026-12-07 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_core"
down_revision = "0016_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("bodies", sa.JSON(), nullable=False),
        sa.Column("audit_date", sa.Date(), nullable=True),
        sa.Column("compliance_rate", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_pages_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_pages")),
        sa.UniqueConstraint("site_id", "slug", name=op.f("uq_site_pages_site_id_slug")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("site_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_pages_site_id"), ["site_id"], unique=False)
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("accessibility_conformance", sa.String(length=8), server_default="none", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("accessibility_conformance")
    op.drop_table("site_pages")
