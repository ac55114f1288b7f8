"""signed-in sessions get server-side records; share links keep a SHA-256 of their token only

Revision ID: 0012_core
Revises: 0011_core
Create Date: 2026-12-06 10:00:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0012_core"
down_revision = "0011_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_user_sessions_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_last_seen_at"), ["last_seen_at"], unique=False)
    hash_share_link_tokens()


def hash_share_link_tokens() -> None:
    """Replace each share link's token by its SHA-256: existing links keep working, the database holds no token."""
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
    links = sa.table(
        "share_links", sa.column("id", sa.Integer), sa.column("token", sa.String), sa.column("token_hash", sa.String)
    )
    connection = op.get_bind()
    for link_id, token in connection.execute(sa.select(links.c.id, links.c.token)).all():
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        connection.execute(links.update().where(links.c.id == link_id).values(token_hash=digest))
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_constraint("uq_share_links_token", type_="unique")
        batch_op.drop_column("token")
        batch_op.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_share_links_token_hash"), ["token_hash"])


def downgrade() -> None:
    # The tokens cannot come back from their hashes: the links made before are lost.
    op.execute("DELETE FROM share_links")
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_constraint("uq_share_links_token_hash", type_="unique")
        batch_op.drop_column("token_hash")
        batch_op.add_column(sa.Column("token", sa.String(length=64), nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_share_links_token"), ["token"])
    op.drop_table("user_sessions")
