"""ids never reused on SQLite: AUTOINCREMENT on the tables that number their rows

Revision ID: 0014_core
Revises: 0013_core
Create Date: 2026-12-07 00:30:00
"""

from core.platform.migrate import ids_never_reused

revision = "0014_core"
down_revision = "0013_core"
branch_labels = None
depends_on = None

TABLES = (
    "access_tokens",
    "cache_generation",
    "channels",
    "disciplines",
    "groups",
    "identity_rules",
    "jobs",
    "media_files",
    "rate_limit_hits",
    "share_links",
    "site_domains",
    "sites",
    "tags",
    "themes",
    "tracks",
    "users",
    "video_types",
    "videos",
)


def upgrade() -> None:
    ids_never_reused(*TABLES)


def downgrade() -> None:
    pass  # ids that are never reused harm nothing: the tables stay as they are
