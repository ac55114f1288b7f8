"""chat tables

Revision ID: 0001_chat
Revises:
Create Date: 2026-12-07 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_chat"
down_revision = None
branch_labels = ("chat",)
depends_on = "0001_core"


def fk(column: str, table: str, target: str, ondelete: str = "CASCADE"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def when(name: str, nullable: bool = False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "chat_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("slow_seconds", sa.Integer(), nullable=False),
        sa.Column("anonymous_read", sa.Boolean(), nullable=False),
        when("created_at"),
        fk("site_id", "chat_rooms", "sites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_rooms")),
        sa.UniqueConstraint("site_id", "room", name="uq_chat_rooms_site_room"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        when("created_at"),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        when("deleted_at", nullable=True),
        fk("site_id", "chat_messages", "sites"),
        fk("room_id", "chat_messages", "chat_rooms"),
        fk("author_id", "chat_messages", "users"),
        fk("deleted_by_id", "chat_messages", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index("ix_chat_messages_room_id_id", ["room_id", "id"], unique=False)
        batch_op.create_index("ix_chat_messages_room_author", ["room_id", "author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_messages_site_id"), ["site_id"], unique=False)
    op.create_table(
        "chat_hidden_users",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        when("created_at"),
        fk("room_id", "chat_hidden_users", "chat_rooms"),
        fk("user_id", "chat_hidden_users", "users"),
        fk("site_id", "chat_hidden_users", "sites"),
        fk("hidden_by_id", "chat_hidden_users", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_chat_hidden_users")),
    )
    with op.batch_alter_table("chat_hidden_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_hidden_users_site_id"), ["site_id"], unique=False)
    op.create_table(
        "chat_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        when("created_at"),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        fk("site_id", "chat_questions", "sites"),
        fk("room_id", "chat_questions", "chat_rooms"),
        fk("author_id", "chat_questions", "users"),
        fk("deleted_by_id", "chat_questions", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_questions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("chat_questions", schema=None) as batch_op:
        batch_op.create_index("ix_chat_questions_room_votes", ["room_id", "votes"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_questions_site_id"), ["site_id"], unique=False)
    op.create_table(
        "chat_votes",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        when("created_at"),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["chat_questions.id"],
            name=op.f("fk_chat_votes_question_id_chat_questions"),
            ondelete="CASCADE",
        ),
        fk("user_id", "chat_votes", "users"),
        sa.PrimaryKeyConstraint("question_id", "user_id", name=op.f("pk_chat_votes")),
    )
    op.create_table(
        "chat_replays",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        when("started_at"),
        fk("video_id", "chat_replays", "videos"),
        fk("site_id", "chat_replays", "sites"),
        fk("room_id", "chat_replays", "chat_rooms"),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_chat_replays")),
    )
    with op.batch_alter_table("chat_replays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_replays_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_replays_room_id"), ["room_id"], unique=False)


def downgrade() -> None:
    for table in ("chat_replays", "chat_votes", "chat_questions", "chat_hidden_users", "chat_messages", "chat_rooms"):
        op.drop_table(table)
