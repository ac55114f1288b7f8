"""opencast_ingest tables: media packages in progress and Digest nonces, adopted from the core

Revision ID: 0001_opencast_ingest
Revises:
Create Date: 2026-12-07 02:00:00

The core's revisions 0008 and 0011 made these tables before the protocol became this plugin:
on such a database they are adopted as they are, with the packages and nonces in flight; a
table is created only where it is absent. The core served the protocol on every site: every
site there is gets the plugin enabled, so its Studio and capture agents keep uploading.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_opencast_ingest"
down_revision = None
branch_labels = ("opencast_ingest",)
depends_on = "0011_core"  # after the core revisions that made the tables, so they are adopted, never made twice


def create_ingest_packages() -> None:
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


def create_digest_nonces() -> None:
    op.create_table(
        "digest_nonces",
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_digest_nonces")),
    )
    with op.batch_alter_table("digest_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_nonces_expires_at"), ["expires_at"], unique=False)


def enable_on_every_site() -> None:
    sites = sa.table("sites", sa.column("id", sa.Integer()), sa.column("enabled_plugins", sa.JSON()))
    bind = op.get_bind()
    for site_id, plugins in bind.execute(sa.select(sites.c.id, sites.c.enabled_plugins)).all():
        if "opencast_ingest" not in (plugins or []):
            bind.execute(
                sites.update()
                .where(sites.c.id == site_id)
                .values(enabled_plugins=sorted({*(plugins or []), "opencast_ingest"}))
            )


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "ingest_packages" not in existing:
        create_ingest_packages()
    if "digest_nonces" not in existing:
        create_digest_nonces()
    enable_on_every_site()


def downgrade() -> None:
    pass  # the tables stay with what they hold: the core's revisions 0011 and 0008 drop them when undone
