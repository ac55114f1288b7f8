"""The documentation site (``docs/``) builds with Sphinx, warnings as errors, and its generated pages
show what the code declares: every hook, the core's settings, every API path, the plugin tutorial's code."""

import subprocess
import sys
from pathlib import Path

import pytest

from core import hookspecs
from core.web.apiv1.openapi import PATHS

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The HTML site, built once for this module's tests."""
    out = tmp_path_factory.mktemp("docs")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(out / "doctrees"),
            str(REPOSITORY / "docs"),
            str(out / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    return out / "html"


def page(site: Path, name: str) -> str:
    return (site / f"{name}.html").read_text(encoding="utf-8")


def test_the_hook_reference_documents_every_hook(site):
    hooks = page(site, "hooks")
    declared = [name for name in vars(hookspecs) if name.startswith("amphi_")]
    assert "amphi_video_ready" in declared
    assert [name for name in declared if f'id="core.hookspecs.{name}"' not in hooks] == []


def test_the_settings_page_names_the_core_settings(site):
    settings = page(site, "settings")
    assert "amphi.session_max_age" in settings
    assert "AMPHI_DATABASE_URL" in settings


def test_the_api_page_renders_every_path_of_the_openapi_document(site):
    api = page(site, "api")
    assert [path for path in PATHS if f"{path}<" not in api] == []


def test_the_plugin_tutorial_shows_the_example_plugin_code(site):
    tutorial = page(site, "plugins")
    assert "hello_greetings" in tutorial and "amphi_video_created" in tutorial
    assert "two_sites" in tutorial  # its tests, read from tests/functional/test_sites.py


def test_the_readme_points_to_the_docs_and_keeps_the_two_commands():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    assert "```sh\n./quickstart\n```" in readme and "```sh\n./run-tests\n```" in readme
    assert "python -m sphinx -b html docs" in readme
