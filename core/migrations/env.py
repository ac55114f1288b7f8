"""Alembic environment: the engine comes from :mod:`core.platform.migrate`, never from a file."""

from alembic import context

import core.models  # noqa: F401  (the core's tables)
from core.models.meta import is_managed

target_metadata = core.models.Base.metadata
engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # a batch migration drops and renames tables: with foreign keys on, the drop would cascade
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
            include_name=is_managed,  # what plugins create outside the models (FTS tables...)
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("a migration left rows whose foreign keys point nowhere")
        connection.commit()
    finally:
        if sqlite:  # the pooled connection goes back as every other: foreign keys on
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
