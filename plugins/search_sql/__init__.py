"""Full-text search in the site's own database: SQLite FTS5 or PostgreSQL tsvector.

The index follows the video events; ``amphi search reindex`` rebuilds it.
Results and suggestions obey the same access rules as lists. When no plugin may deny a
video, a search's counts and first ranked matches are kept per class of visitors
(:mod:`plugins.search_sql.cache`) until the content generation (:mod:`core.pagecache.generation`) changes.
"""

from core import hookimpl
from core.models import Video
from core.plugin_api import _
from plugins.search_sql import index as search_index
from plugins.search_sql import query as search_query

NAME = "search_sql"
AMPHI_TITLE = _("Search in the database")
AMPHI_DESCRIPTION = _("Full-text search in the site's own database (SQLite or PostgreSQL).")
AMPHI_HOOKS = ">=2.0,<3"  # the job hooks and amphi_video_ready take plain values since 2.0


@hookimpl
def amphi_search(request, query):
    return search_query.search(request, query)


@hookimpl
def amphi_search_suggest(request, prefix, limit):
    return search_query.suggest(request, prefix, limit)


@hookimpl
def amphi_search_reindex(request):
    return search_index.reindex_site(request)


@hookimpl
def amphi_video_created(request, video):
    search_index.index_video(request, video)


@hookimpl
def amphi_video_ready(request, video_id):
    video = request.dbsession.get(Video, video_id)
    if video is not None:
        search_index.index_video(request, video)


@hookimpl
def amphi_video_changed(request, video):
    search_index.index_video(request, video)


@hookimpl
def amphi_video_deleted(request, video):
    search_index.forget_video(request, video.id)
