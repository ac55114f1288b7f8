"""Migrations from an empty database to head, and models == migrations (SQLite and PostgreSQL)."""

import pytest
from sqlalchemy import inspect

from core.db import make_engine
from core.migrate import alembic_config, model_differences, pending_heads, upgrade
from core.plugins import make_plugin_host
from core.testing import temporary_database


@pytest.fixture
def empty_engine(tmp_path):
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_empty_to_head_creates_core_and_plugin_tables(empty_engine):
    from alembic.script import ScriptDirectory

    host = make_plugin_host({})
    heads = set(ScriptDirectory.from_config(alembic_config(empty_engine, host)).get_heads())
    assert pending_heads(empty_engine, host) == heads
    assert {"0001_auth_local", "0001_hello"} <= heads  # each plugin's branch head
    upgrade(empty_engine, host)
    tables = set(inspect(empty_engine).get_table_names())
    assert {"sites", "site_domains", "users", "groups", "videos", "media_files", "tracks", "jobs"} <= tables
    assert {"auth_local_credentials", "hello_greetings"} <= tables
    assert pending_heads(empty_engine, host) == set()


def test_models_and_migrations_agree(empty_engine):
    host = make_plugin_host({})
    upgrade(empty_engine, host)
    assert model_differences(empty_engine) == []


def test_each_plugin_has_its_own_branch(empty_engine):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(empty_engine, make_plugin_host({})))
    labels = {label for revision in script.walk_revisions() for label in revision.branch_labels}
    assert {"core", "auth_local", "hello"} <= labels


def test_upgrading_twice_changes_nothing(empty_engine):
    host = make_plugin_host({})
    upgrade(empty_engine, host)
    upgrade(empty_engine, host)
    assert pending_heads(empty_engine, host) == set()


def test_objects_a_plugin_declares_unmanaged_are_left_out_of_the_comparison(empty_engine):
    """search_sql's full-text part (FTS5 tables on SQLite, a tsvector column on PostgreSQL) is the
    migration's alone: the comparison would report it, and leaves it out because it is declared."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.models import Base
    from core.models.meta import UNMANAGED

    upgrade(empty_engine, make_plugin_host({}))
    with empty_engine.connect() as connection:
        raw = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    named = {f"{change[2]}.{change[3].name}" if change[0] == "remove_column" else change[-1].name
             for change in raw}
    assert raw and named <= Base.metadata.info[UNMANAGED]
    assert model_differences(empty_engine) == []
