"""ids never reused on SQLite: AUTOINCREMENT on the tables that number their rows

Revision ID: 0004_recorder
Revises: 0003_recorder
Create Date: 2026-12-07 00:30:00
"""

from core.plugin_api import ids_never_reused

revision = "0004_recorder"
down_revision = "0003_recorder"
branch_labels = None
depends_on = None

TABLES = ("recorder_recorders", "recorder_drop_files", "recorder_events", "recorder_pending")


def upgrade() -> None:
    ids_never_reused(*TABLES)


def downgrade() -> None:
    pass  # ids that are never reused harm nothing: the tables stay as they are
