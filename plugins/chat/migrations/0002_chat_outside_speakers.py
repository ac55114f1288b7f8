"""chat messages of outside speakers

A message another plugin posts for someone outside Amphi (a web conference's participant) has no
author: ``author_id`` becomes nullable, ``speaker`` holds the name shown and ``source`` the plugin's mark.

Revision ID: 0002_chat
Revises: 0001_chat
Create Date: 2026-12-09 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_chat"
down_revision = "0001_chat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds the table to change a column's nullability: AUTOINCREMENT is kept (ids never reused).
    with op.batch_alter_table("chat_messages", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("speaker", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("source", sa.String(length=32), nullable=False, server_default=""))
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM chat_messages WHERE author_id IS NULL")
    with op.batch_alter_table("chat_messages", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("source")
        batch_op.drop_column("speaker")
