"""Alembic environment: the engine comes from :mod:`core.migrate`, never from a file."""

from alembic import context

import core.models  # noqa: F401  (the core's tables)
from core.models.meta import is_managed

target_metadata = core.models.Base.metadata
engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=is_managed,  # what plugins create outside the models (FTS tables...)
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
