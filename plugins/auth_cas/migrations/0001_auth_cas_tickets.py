"""auth_cas service tickets (single logout)

Revision ID: 0001_auth_cas
Revises:
Create Date: 2026-11-29 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_auth_cas"
down_revision = None
branch_labels = ("auth_cas",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "auth_cas_tickets",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_auth_cas_tickets_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_cas_tickets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "ticket", name=op.f("pk_auth_cas_tickets")),
    )
    op.create_index("ix_auth_cas_tickets_expires_at", "auth_cas_tickets", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_auth_cas_tickets_expires_at", table_name="auth_cas_tickets")
    op.drop_table("auth_cas_tickets")
