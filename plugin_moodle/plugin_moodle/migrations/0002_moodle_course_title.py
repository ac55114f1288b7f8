"""moodle: a course's title as its platform names it (the xAPI statements' parent activity)

Revision ID: 0002_moodle
Revises: 0001_moodle
Create Date: 2026-12-07 19:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_moodle"
down_revision = "0001_moodle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("moodle_courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("moodle_courses", schema=None) as batch_op:
        batch_op.drop_column("title")
