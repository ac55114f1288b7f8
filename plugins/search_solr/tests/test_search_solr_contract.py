"""search_solr passes the search backend contract against the fake Solr, and against a real Solr core
when ``AMPHI_TEST_SOLR_URL`` names one (its documents of the test sites are removed before and after)."""

import os

import pysolr
import pytest

from core.plugin_api import fire
from core.testing.contracts import SearchContract
from core.testing.search_contract import event_arguments
from plugins.search_solr.index import forget_video, index_video
from plugins.search_solr.tasks import forget_video_task, index_video_task

#: What each task the events queue does, run in the caller's transaction instead of the worker's.
TASK_WORK = {index_video_task: index_video, forget_video_task: forget_video}


class IndexTasksRunInTheTestTransaction:
    """search_solr indexes through tasks queued after the commit, which a test's transaction never
    reaches: the runner does the queued tasks' work at once, reading that transaction."""

    def announce(self, site, make_request, event: str, video) -> None:
        request = make_request(site)
        fire(request, f"amphi_video_{event}", **event_arguments(event, video))
        transaction = request.tm.get()
        done = transaction.extension.setdefault("amphi.solr_tasks_done", 0)  # hooks already run
        hooks = list(transaction.getAfterCommitHooks())
        for _hook, args, _kwargs in hooks[done:]:
            if args and args[0] in TASK_WORK:  # other after-commit work (a queued job...) is not the index's
                task, _site_id, video_id = args
                TASK_WORK[task](request, video_id)
        transaction.extension["amphi.solr_tasks_done"] = len(hooks)
        self.settle(request)


LIVE_SOLR = os.environ.get("AMPHI_TEST_SOLR_URL", "")


class TestSearchSolrContract(IndexTasksRunInTheTestTransaction, SearchContract):
    @pytest.fixture
    def make_search_site(self, solr_site):
        return solr_site


@pytest.mark.skipif(not LIVE_SOLR, reason="AMPHI_TEST_SOLR_URL is not set")
class TestLiveSolrContract(IndexTasksRunInTheTestTransaction, SearchContract):
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
