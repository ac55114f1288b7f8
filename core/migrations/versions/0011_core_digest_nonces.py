"""digest nonces in use, with their highest nonce count (replay protection)

Revision ID: 0011_core
Revises: 0010_core
Create Date: 2026-11-29 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_core"
down_revision = "0010_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_nonces",
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_digest_nonces")),
    )
    with op.batch_alter_table("digest_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_nonces_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("digest_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_nonces_expires_at"))
    op.drop_table("digest_nonces")
