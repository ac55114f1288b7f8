"""The fake Solr's fixtures (tests.fake_solr); the core's come from core.testing, a pytest plugin."""

from tests.fake_solr import solr, solr_site  # noqa: F401
