"""ids never reused on SQLite: AUTOINCREMENT on the tables that number their rows

Revision ID: 0002_chapters
Revises: 0001_chapters
Create Date: 2026-12-07 00:30:00
"""

from core.plugin_api import ids_never_reused

revision = "0002_chapters"
down_revision = "0001_chapters"
branch_labels = None
depends_on = None

TABLES = ("chapters",)


def upgrade() -> None:
    ids_never_reused(*TABLES)


def downgrade() -> None:
    pass  # ids that are never reused harm nothing: the tables stay as they are
