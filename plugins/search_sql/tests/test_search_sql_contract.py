"""search_sql passes the search backend contract (SQLite FTS5 here, PostgreSQL tsvector with AMPHI_TEST_DB)."""

import pytest

from core.testing.contracts import SearchContract


class TestSearchSqlContract(SearchContract):
    @pytest.fixture
    def make_search_site(self, make_site):
        """Sites with every installed plugin: search_solr has no URL there, so search_sql answers."""
        return make_site
