"""Full-text search in Apache Solr (pysolr): the same search as search_sql, the index in a Solr core.

A site may share one core with others: every document carries ``site_id`` and
every query filters on it. Solr never decides access: it returns matching ids,
Amphi keeps those the request may find and counts facets over them alone.
With no core URL set the plugin answers nothing, so another search plugin may.
The video events only queue tasks that write the index after the commit
(:mod:`plugins.search_solr.tasks`).
"""

from core import hookimpl
from core.models import Video
from core.plugin_api import Setting, _
from plugins.search_solr import index as solr_index
from plugins.search_solr import query as solr_query
from plugins.search_solr import tasks as solr_tasks

NAME = "search_solr"
AMPHI_TITLE = _("Search with Solr")
AMPHI_DESCRIPTION = _("Full-text search in an Apache Solr index, for large catalogues.")
AMPHI_HOOKS = ">=2.0,<3"  # the job hooks and amphi_video_ready take plain values since 2.0


@hookimpl
def amphi_settings():
    return [
        Setting(
            "url",
            "str",
            "",
            label=_("Solr core URL"),
            help=_(
                "The core's address, e.g. http://127.0.0.1:8983/solr/amphi (empty: Solr search is off "
                "on this site). Several sites may share one core."
            ),
        ),
        Setting("timeout", "int", 10, label=_("Solr timeout (seconds)"), site_editable=False),
        Setting(
            "commit_within",
            "int",
            1000,
            label=_("Commit within (milliseconds)"),
            help=_("How soon Solr makes an indexed change searchable."),
        ),
        Setting(
            "access_filter",
            "choice",
            "amphi",
            choices=("amphi", "amphi_and_solr"),
            label=_("Access filtering"),
            help=_(
                "amphi: Solr filters on the site only and Amphi keeps the matches the visitor may see; "
                "amphi_and_solr: Solr is also sent the ids of the videos the visitor may see, so the "
                "match limit counts only those (Amphi still checks every match)."
            ),
        ),
        Setting("max_matches", "int", 10000, label=_("Most matches read from Solr per search"), site_editable=False),
    ]


@hookimpl
def amphi_search(request, query):
    return solr_query.search(request, query)


@hookimpl
def amphi_search_suggest(request, prefix, limit):
    return solr_query.suggest(request, prefix, limit)


@hookimpl
def amphi_search_reindex(request):
    return solr_index.reindex_site(request)


@hookimpl
def amphi_video_ready(request, video_id):
    solr_tasks.queue_index(request, request.dbsession.get(Video, video_id))


@hookimpl
def amphi_video_changed(request, video):
    solr_tasks.queue_index(request, video)


@hookimpl
def amphi_video_deleted(request, video):
    solr_tasks.queue_forget(request, video)
