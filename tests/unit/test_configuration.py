"""The shipped ini files load; the code is linted."""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LOAD = """
import json, sys
from pyramid.paster import get_app
from core.platform.tasks import huey
app = get_app(sys.argv[1])
s = app.registry.settings
print(json.dumps({"db": app.registry["db_engine"].dialect.name, "queue": type(huey.storage.main).__name__,
                  "secure": s["amphi.session_secure"], "unknown_host": s["amphi.unknown_host"],
                  "plugins": sorted(app.registry.plugins.names())}))
"""


def load(ini, **environ):
    result = subprocess.run(
        [sys.executable, "-c", LOAD, os.path.join(ROOT, "etc", ini)],
        capture_output=True,
        text=True,
        env={**os.environ, **environ},
        timeout=120,
    )
    return result


def test_production_ini_loads_with_postgresql_and_redis(tmp_path):
    result = load("production.ini", AMPHI_SESSION_SECRET="x" * 64, AMPHI_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["db"] == "postgresql" and loaded["queue"] == "RedisStorage"
    assert loaded["secure"] == "true" and loaded["unknown_host"] == "404"
    assert "auth_local" in loaded["plugins"]


def test_production_refuses_to_start_without_a_session_secret(tmp_path):
    result = load("production.ini", AMPHI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "amphi.session_secret is empty" in result.stderr


def test_the_embedded_default_loads(tmp_path):
    result = load(
        "amphi.ini",
        AMPHI_VAR_DIR=str(tmp_path),
        AMPHI_DATABASE_URL=f"sqlite:///{tmp_path}/a.sqlite",
        AMPHI_QUEUE_URL=f"sqlite:///{tmp_path}/q.sqlite",
        AMPHI_SESSION_SECRET_FILE=str(tmp_path / "session_secret"),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["queue"] == "SqliteStorage"
    assert (tmp_path / "session_secret").stat().st_mode & 0o077 == 0


def test_a_media_url_lifetime_beyond_a_day_stops_the_start(tmp_path):
    result = load(
        "amphi.ini",
        AMPHI_VAR_DIR=str(tmp_path),
        AMPHI_DATABASE_URL=f"sqlite:///{tmp_path}/a.sqlite",
        AMPHI_QUEUE_URL=f"sqlite:///{tmp_path}/q.sqlite",
        AMPHI_MEDIA__URL_TTL=str(30 * 86400),
        AMPHI_SESSION_SECRET_FILE=str(tmp_path / "session_secret"),
    )
    assert (
        result.returncode != 0 and "amphi.media.url_ttl must be a number of seconds from 60 to 86400" in result.stderr
    )


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", ROOT], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_code_is_formatted_by_ruff():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", ROOT], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_finds_nothing_in_the_core():
    """The configuration is pyproject.toml's [tool.mypy] (packages = core)."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_pre_commit_configuration_is_valid_and_its_tools_are_installed():
    config = os.path.join(ROOT, ".pre-commit-config.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", config], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    entries = re.findall(r"entry: (\S+)", open(config, encoding="utf-8").read())
    tools = os.path.dirname(sys.executable)  # the hooks run .venv's tools, the ones these tests run with
    assert entries and all(os.path.exists(os.path.join(tools, os.path.basename(entry))) for entry in entries), entries
