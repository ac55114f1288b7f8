"""The plugin's migration branch adopts the tables the core's branch made (packages and nonces in flight kept),
and the models agree with the database, fresh or upgraded (SQLite and PostgreSQL, ``AMPHI_TEST_DB``)."""

import os
import subprocess
import sys

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from core.models import Site
from core.platform.db import make_engine
from core.platform.migrate import alembic_config, model_differences, pending_heads, upgrade
from core.platform.plugins import make_plugin_host
from core.testing import temporary_database

TABLES = {"ingest_packages", "digest_nonces"}
BRANCH_HEAD = "0001_opencast_ingest"


@pytest.fixture
def empty_engine(tmp_path):
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def upgrade_to_the_previous_heads(engine, host) -> None:
    """Every branch as it was before this plugin existed: the core's and the other plugins' heads."""
    config = alembic_config(engine, host)
    script = ScriptDirectory.from_config(config)
    ours = os.path.dirname(script.get_revision(BRANCH_HEAD).path)
    for head in sorted(script.get_heads()):
        if os.path.dirname(script.get_revision(head).path) != ours:
            command.upgrade(config, head)


def insert_work_in_flight(connection) -> None:
    """A site, its user, a package half sent and a nonce in use, as the core's tables held them."""
    connection.execute(
        text(
            "INSERT INTO sites (id, slug, name, theme_color, logo_url, is_default, enabled_plugins, "
            "plugin_settings, created_at, upload_access) VALUES (1, 'old', 'Old', '#1f4e8c', '', "
            "true, '[\"recorder\", \"auth_local\"]', '{}', CURRENT_TIMESTAMP, 'draft')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO users (id, site_id, username, display_name, email, affiliation, locale, "
            "is_active, can_upload, is_site_admin, is_superuser, created_at) VALUES (1, 1, 'ana', "
            "'', '', '', '', true, true, false, false, CURRENT_TIMESTAMP)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO ingest_packages (id, site_id, user_id, source, principal_data, elements, "
            "metadata, created_at) VALUES ('pkg-1', 1, 1, 'recorder', '{}', "
            '\'[{"id": "e1", "kind": "track"}]\', \'{"title": "Cours"}\', CURRENT_TIMESTAMP)'
        )
    )
    connection.execute(
        text("INSERT INTO digest_nonces (nonce, count, expires_at) VALUES ('1-abc-sig', 3, CURRENT_TIMESTAMP)")
    )


def test_a_fresh_database_gets_the_tables_and_agrees_with_the_models(empty_engine):
    host = make_plugin_host({})
    assert BRANCH_HEAD in pending_heads(empty_engine, host)
    upgrade(empty_engine, host)
    assert TABLES <= set(inspect(empty_engine).get_table_names())
    assert pending_heads(empty_engine, host) == set()
    assert model_differences(empty_engine) == []


def test_a_database_of_the_previous_heads_keeps_what_was_in_flight(empty_engine):
    host = make_plugin_host({})
    upgrade_to_the_previous_heads(empty_engine, host)
    assert pending_heads(empty_engine, host) == {BRANCH_HEAD}
    with empty_engine.begin() as connection:
        insert_work_in_flight(connection)
    upgrade(empty_engine, host)
    assert pending_heads(empty_engine, host) == set()
    assert model_differences(empty_engine) == []
    with empty_engine.connect() as connection:
        package = connection.execute(text("SELECT source, elements, metadata FROM ingest_packages")).one()
        nonce = connection.execute(text("SELECT nonce, count FROM digest_nonces")).one()
        plugins = connection.execute(select(Site.enabled_plugins)).scalar_one()
    assert package[0] == "recorder" and "e1" in str(package[1]) and "Cours" in str(package[2])
    assert tuple(nonce) == ("1-abc-sig", 3)
    assert plugins == ["auth_local", "opencast_ingest", "recorder"]  # the protocol stays on where it was


def test_a_table_that_is_absent_is_created(empty_engine):
    host = make_plugin_host({})
    upgrade_to_the_previous_heads(empty_engine, host)
    with empty_engine.begin() as connection:
        connection.execute(text("DROP TABLE digest_nonces"))
    upgrade(empty_engine, host)
    assert TABLES <= set(inspect(empty_engine).get_table_names())
    assert model_differences(empty_engine) == []


BLOCKED_CHECK = """
import sys
from core.platform.db import make_engine
from core.platform.migrate import model_differences, upgrade
from core.platform.plugins import make_plugin_host
host = make_plugin_host({"amphi.plugins.blocked": "opencast_ingest opencast_studio recorder"})
assert "opencast_ingest" not in host.names()
engine = make_engine(sys.argv[1])
upgrade(engine, host)
print(model_differences(engine))
"""


def test_where_the_plugin_is_blocked_its_tables_are_left_alone_and_the_models_agree(tmp_path):
    """In a process that never imports the plugin (its models undeclared), the tables the core's history made
    stay, and ``amphi db check`` finds no difference."""
    with temporary_database(tmp_path) as url:
        check = subprocess.run([sys.executable, "-c", BLOCKED_CHECK, url], capture_output=True, text=True, timeout=300)
        assert check.returncode == 0, check.stderr[-2000:]
        assert check.stdout.strip() == "[]"
        engine = make_engine(url)
        assert TABLES <= set(inspect(engine).get_table_names())
        engine.dispose()
