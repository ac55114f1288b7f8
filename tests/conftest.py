"""Fixtures come from core.testing, a pytest plugin registered by setup.py (entry point pytest11)."""

from tests.fake_solr import solr, solr_site  # noqa: E402,F401
from tests.searching import publish  # noqa: E402,F401
from tests.standin import encoder, fast_pipeline, published  # noqa: E402,F401  (fixtures shared by several test files)
