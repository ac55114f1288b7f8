"""auth_ldap directory status

Revision ID: 0001_auth_ldap
Revises:
Create Date: 2026-11-29 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_auth_ldap"
down_revision = None
branch_labels = ("auth_ldap",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "auth_ldap_status",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_auth_ldap_status_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_auth_ldap_status")),
    )


def downgrade() -> None:
    op.drop_table("auth_ldap_status")
