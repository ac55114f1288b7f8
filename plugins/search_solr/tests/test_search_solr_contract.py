"""search_solr passes the search backend contract against the fake Solr, and against a real Solr core
when ``AMPHI_TEST_SOLR_URL`` names one (its documents of the test sites are removed before and after)."""

import os

import pysolr
import pytest

from core.testing.contracts import SearchContract

LIVE_SOLR = os.environ.get("AMPHI_TEST_SOLR_URL", "")


class TestSearchSolrContract(SearchContract):
    @pytest.fixture
    def make_search_site(self, solr_site):
        return solr_site


@pytest.mark.skipif(not LIVE_SOLR, reason="AMPHI_TEST_SOLR_URL is not set")
class TestLiveSolrContract(SearchContract):
    @pytest.fixture
    def make_search_site(self, solr_site):
        core, made = pysolr.Solr(LIVE_SOLR, always_commit=True), []

        def make(slug):
            site = solr_site(slug, url=LIVE_SOLR)
            core.delete(q=f"site_id:{site.id}")  # left by an earlier run with the same (rolled back) id
            made.append(site.id)
            return site

        yield make
        for site_id in made:
            core.delete(q=f"site_id:{site_id}")

    def settle(self, request):
        """Make what was sent visible now rather than within ``commit_within``."""
        pysolr.Solr(LIVE_SOLR).commit()
