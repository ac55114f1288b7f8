"""moodle tables: LTI platforms per site, the tool's keys, accounts by (issuer, sub), launch values,
dynamic registration links, courses and their rosters, grades (the plugin's own branch)

Revision ID: 0001_moodle
Revises:
Create Date: 2026-12-07 18:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_moodle"
down_revision = None
branch_labels = ("moodle",)
depends_on = "0018_core"


def _site(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
    )


def _site_index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_site_id"), ["site_id"], unique=False)


def _platform(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["platform_id"],
        ["moodle_platforms.id"],
        name=op.f(f"fk_{table}_platform_id_moodle_platforms"),
        ondelete="CASCADE",
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "moodle_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("deployment_ids", sa.JSON(), nullable=False),
        sa.Column("auth_url", sa.String(length=500), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=False),
        sa.Column("keyset_url", sa.String(length=500), nullable=False),
        sa.Column("registered_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _site("moodle_platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moodle_platforms")),
        sa.UniqueConstraint(
            "site_id", "issuer", "client_id", name=op.f("uq_moodle_platforms_site_id_issuer_client_id")
        ),
        sqlite_autoincrement=True,
    )
    _site_index("moodle_platforms")
    op.create_table(
        "moodle_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        _site("moodle_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moodle_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_moodle_keys_kid")),
        sqlite_autoincrement=True,
    )
    _site_index("moodle_keys")
    op.create_table(
        "moodle_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _site("moodle_accounts"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_moodle_accounts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moodle_accounts")),
        sa.UniqueConstraint("site_id", "issuer", "sub", name=op.f("uq_moodle_accounts_site_id_issuer_sub")),
        sqlite_autoincrement=True,
    )
    _site_index("moodle_accounts")
    with op.batch_alter_table("moodle_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moodle_accounts_user_id"), ["user_id"], unique=False)
    op.create_table(
        "moodle_values",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_moodle_values")),
    )
    with op.batch_alter_table("moodle_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moodle_values_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "moodle_registration_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        _site("moodle_registration_links"),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["moodle_platforms.id"],
            name=op.f("fk_moodle_registration_links_platform_id_moodle_platforms"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moodle_registration_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_moodle_registration_links_token_hash")),
        sqlite_autoincrement=True,
    )
    _site_index("moodle_registration_links")
    op.create_table(
        "moodle_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("memberships_url", sa.String(length=500), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        _site("moodle_courses"),
        _platform("moodle_courses"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_moodle_courses_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moodle_courses")),
        sa.UniqueConstraint("platform_id", "context_id", name=op.f("uq_moodle_courses_platform_id_context_id")),
        sqlite_autoincrement=True,
    )
    _indexes("moodle_courses", "site_id", "platform_id", "group_id")
    op.create_table(
        "moodle_teachers",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["moodle_courses.id"],
            name=op.f("fk_moodle_teachers_course_id_moodle_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_moodle_teachers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("course_id", "user_id", name=op.f("pk_moodle_teachers")),
    )
    _indexes("moodle_teachers", "user_id")
    op.create_table(
        "moodle_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("lineitem_url", sa.String(length=500), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), nullable=False),
        sa.Column("score_wanted", sa.Float(), nullable=False),
        sa.Column("score_sent", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _site("moodle_grades"),
        _platform("moodle_grades"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_moodle_grades_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_moodle_grades_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moodle_grades")),
        sa.UniqueConstraint(
            "platform_id", "lineitem_url", "user_id", name=op.f("uq_moodle_grades_platform_id_lineitem_url_user_id")
        ),
        sqlite_autoincrement=True,
    )
    _indexes("moodle_grades", "site_id", "platform_id", "user_id", "video_id")


def downgrade() -> None:
    for table in (
        "moodle_grades",
        "moodle_courses",
        "moodle_registration_links",
        "moodle_values",
        "moodle_accounts",
        "moodle_keys",
        "moodle_platforms",
    ):
        op.drop_table(table)
