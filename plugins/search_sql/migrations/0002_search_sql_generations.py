"""search_sql: a generation per site, bumped with every index write (for the facet cache)

Revision ID: 0002_search_sql_generations
Revises: 0001_search_sql
Create Date: 2026-11-29 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_search_sql_generations'
down_revision = '0001_search_sql'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_sql_generations',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_search_sql_generations_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_search_sql_generations'))
    )


def downgrade() -> None:
    op.drop_table('search_sql_generations')
