"""Fixtures of the plugin's tests; the core's (app, make_site, committed_site...) come from core.testing."""

import pytest


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
