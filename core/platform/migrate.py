"""Alembic, driven from the app's settings: a ``core`` branch plus one branch per plugin.

A plugin that owns tables ships a ``migrations/`` folder beside its module
(``plugins/auth_local/migrations/``). Its first revision has
``branch_labels = ("<plugin name>",)`` and ``depends_on`` the core revision
its tables refer to; later ones chain on it as usual. ``amphi db upgrade``
applies the heads of the core and of every loaded plugin's branch. The
migrations of a plugin that is installed but blocked (or failed to load) stay
known, so that a database it once migrated still upgrades; its own branch is
left as it is until the plugin is back.
"""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING

from core.models import Base
from core.models.meta import is_managed

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# alembic (~11 MB with mako) is imported where it is used: a serving process never migrates.

CORE_MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")  # core/migrations


def plugin_module_dir(info) -> str | None:
    """Where a plugin's module lives; for one not loaded, found without importing it."""
    module_file = getattr(info.plugin, "__file__", None)
    if module_file is None and info.module:
        try:
            spec = importlib.util.find_spec(info.module.split(":")[0])
        except (ImportError, ValueError):
            spec = None
        module_file = spec.origin if spec is not None else None
    return os.path.dirname(module_file) if module_file else None


def plugin_migration_dirs(plugin_host, loaded_only: bool = True) -> list[str]:
    """The ``migrations/`` folders of loaded (or all installed) plugins, in name order."""
    dirs = []
    for info in sorted(plugin_host.infos.values(), key=lambda i: i.name):
        if loaded_only and not info.loaded:
            continue
        folder = plugin_module_dir(info)
        if folder and os.path.isdir(os.path.join(folder, "migrations")):
            dirs.append(os.path.join(folder, "migrations"))
    return dirs


def active_heads(script: ScriptDirectory, plugin_host) -> set[str]:
    """Heads of the core branch and of the loaded plugins' branches."""
    active = {os.path.join(CORE_MIGRATIONS, "versions"), *plugin_migration_dirs(plugin_host)}
    return {head for head in script.get_heads() if os.path.dirname(script.get_revision(head).path) in active}


def alembic_config(engine, plugin_host) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", CORE_MIGRATIONS)
    locations = [os.path.join(CORE_MIGRATIONS, "versions")] + plugin_migration_dirs(plugin_host, loaded_only=False)
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine, plugin_host, target: str = "heads") -> None:
    """Apply migrations: by default every active head (see :func:`active_heads`)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine, plugin_host)
    targets = sorted(active_heads(ScriptDirectory.from_config(cfg), plugin_host)) if target == "heads" else [target]
    for head in targets:
        command.upgrade(cfg, head)


def pending_heads(engine, plugin_host) -> set[str]:
    """The heads (core or plugin branches) not yet applied: empty when up to date."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine, plugin_host))
    with engine.connect() as connection:
        applied = MigrationContext.configure(connection).get_current_heads()
    done, todo = set(), list(applied)
    while todo:  # everything applied heads stand on, dependencies included
        revision = script.get_revision(todo.pop())
        if revision is not None and revision.revision not in done:
            done.add(revision.revision)
            todo.extend(revision._all_down_revisions)
    return active_heads(script, plugin_host) - done


#: Tables the core's migrations created whose models have since moved into a plugin (2.0: the Opencast
#: ingest's packages and Digest nonces). Where that plugin is loaded its models declare them; where it is
#: blocked or not installed they stay in the database, untouched, and are not a difference.
HANDED_OVER_TABLES = frozenset({"ingest_packages", "digest_nonces"})


def model_differences(engine) -> list:
    """What differs between the models and the migrated database (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    declared = set(Base.metadata.tables)

    def include(name, type_, parent_names) -> bool:
        table = name if type_ == "table" else parent_names.get("table_name")
        if table in HANDED_OVER_TABLES and table not in declared:
            return False
        return is_managed(name, type_, parent_names)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include})
        return compare_metadata(context, Base.metadata)


def ids_never_reused(*tables: str) -> None:
    """In a migration: give SQLite ``tables`` AUTOINCREMENT, so a deleted row's id never comes back.

    Each table is rebuilt (alembic's batch mode: a copy with every row and id, then a rename), its
    columns, keys, constraints and indexes read from the database. The next id follows the highest
    one kept. Other databases have nothing to do: their sequences never go back. The environment
    (``migrations/env.py``) turns SQLite's foreign keys off while migrating, so dropping the old
    table cascades to nothing.
    """
    from alembic import op

    if op.get_bind().dialect.name != "sqlite":
        return
    for name in tables:
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
