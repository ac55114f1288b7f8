"""live tables: events (one row per occurrence) and their series, owners, groups, audio streams, recordings

Revision ID: 0001_live
Revises:
Create Date: 2026-12-07 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_live"
down_revision = None
branch_labels = ("live",)
depends_on = "0017_core"

WHEN = sa.DateTime(timezone=True)


def fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "live_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        fk("live_series", "site_id", "sites", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_series")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_live_series_site_id"), "live_series", ["site_id"])
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("on_air_at", WHEN, nullable=True),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("key_generation", sa.Integer(), nullable=False),
        sa.Column("dvr", sa.Boolean(), nullable=False),
        sa.Column("chat_anonymous_read", sa.Boolean(), nullable=False),
        sa.Column("peak_viewers", sa.Integer(), nullable=False),
        sa.Column("replay_state", sa.String(length=16), nullable=False),
        sa.Column("replay_error", sa.Text(), nullable=False),
        sa.Column("replay_video_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        fk("live_events", "site_id", "sites", "CASCADE"),
        fk("live_events", "series_id", "live_series", "SET NULL"),
        fk("live_events", "channel_id", "channels", "SET NULL"),
        fk("live_events", "replay_video_id", "videos", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_events")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_live_events_site_starts", "live_events", ["site_id", "starts_at"])
    op.create_index(op.f("ix_live_events_series_id"), "live_events", ["series_id"])
    op.create_index(op.f("ix_live_events_channel_id"), "live_events", ["channel_id"])
    op.create_index(op.f("ix_live_events_state"), "live_events", ["state"])
    for table, other in (("live_event_owners", "users"), ("live_event_groups", "groups")):
        column = "user_id" if other == "users" else "group_id"
        op.create_table(
            table,
            sa.Column("event_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            fk(table, "event_id", "live_events", "CASCADE"),
            fk(table, column, other, "CASCADE"),
            sa.PrimaryKeyConstraint("event_id", column, name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "live_audios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_generation", sa.Integer(), nullable=False),
        sa.Column("publishing", sa.Boolean(), nullable=False),
        fk("live_audios", "event_id", "live_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_audios")),
        sa.UniqueConstraint("event_id", "language", name=op.f("uq_live_audios_event_id_language")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "live_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        fk("live_recordings", "event_id", "live_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_recordings")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_live_recordings_event_id"), "live_recordings", ["event_id"])


def downgrade() -> None:
    for table in ("live_recordings", "live_audios", "live_event_groups", "live_event_owners", "live_events"):
        op.drop_table(table)
    op.drop_table("live_series")
