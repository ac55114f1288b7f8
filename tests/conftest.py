"""Fixtures come from core.testing (a pytest plugin registered by setup.py)."""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "functional" in item.nodeid:
            item.add_marker(pytest.mark.functional)
