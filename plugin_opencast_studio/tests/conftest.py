"""Fixtures of the plugin's tests; the core's (app, make_site, committed_site...) come from core.testing."""

import pytest

from tests.mediafiles import make_browser_webm


@pytest.fixture
def fast_pipeline(app, monkeypatch):
    for key, value in {"heartbeat_seconds": "0.1", "stale_after": "1", "max_attempts": "1", "retry_delay": "0"}.items():
        monkeypatch.setitem(app.registry.settings, f"amphi.jobs.{key}", value)


@pytest.fixture
def studio_settings(app, monkeypatch):
    """``studio_settings(key=value...)``: this plugin's ini settings for one test."""

    def configure(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.registry.settings, f"amphi.opencast_studio.{key}", value)

    return configure


@pytest.fixture
def browser(make_testapp, rec_site):
    """A browser on the site ``rec.test`` (each test file makes its ``rec_site``)."""
    return make_testapp("rec.test")


@pytest.fixture(scope="module")
def camera(tmp_path_factory):
    """A 2 s WebM as a browser records a camera."""
    return make_browser_webm(tmp_path_factory.mktemp("cam"), "camera.webm", 2, "160x120").read_bytes()
