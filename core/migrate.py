"""Alembic, driven from the app's settings: a ``core`` branch plus one branch per plugin.

A plugin that owns tables ships a ``migrations/`` folder beside its module
(``plugins/auth_local/migrations/``). Its first revision has
``branch_labels = ("<plugin name>",)`` and ``depends_on`` the core revision
its tables refer to; later ones chain on it as usual. ``amphi db upgrade``
applies ``heads``: the core and every installed plugin's branch.
"""

from __future__ import annotations

import os

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

CORE_MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def plugin_migration_dirs(plugin_host) -> list[str]:
    """The ``migrations/`` folders of installed plugins, in name order."""
    dirs = []
    for info in sorted(plugin_host.loaded, key=lambda i: i.name):
        module_file = getattr(info.plugin, "__file__", None)
        if module_file:
            candidate = os.path.join(os.path.dirname(module_file), "migrations")
            if os.path.isdir(candidate):
                dirs.append(candidate)
    return dirs


def alembic_config(engine, plugin_host) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", CORE_MIGRATIONS)
    locations = [os.path.join(CORE_MIGRATIONS, "versions")] + plugin_migration_dirs(plugin_host)
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine, plugin_host, target: str = "heads") -> None:
    command.upgrade(alembic_config(engine, plugin_host), target)


def pending_heads(engine, plugin_host) -> set[str]:
    """The heads (core or plugin branches) not yet applied: empty when up to date."""
    script = ScriptDirectory.from_config(alembic_config(engine, plugin_host))
    with engine.connect() as connection:
        applied = MigrationContext.configure(connection).get_current_heads()
    done, todo = set(), list(applied)
    while todo:  # everything applied heads stand on, dependencies included
        revision = script.get_revision(todo.pop())
        if revision is not None and revision.revision not in done:
            done.add(revision.revision)
            todo.extend(revision._all_down_revisions)
    return set(script.get_heads()) - done


def model_differences(engine) -> list:
    """What differs between the models and the migrated database (empty when they agree)."""
    from core.models import Base
    from core.models.meta import is_managed

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": is_managed})
        return compare_metadata(context, Base.metadata)
