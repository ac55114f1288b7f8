"""``/api/v1/videos?q=``: full-text search, as the search page finds it.

The site's search plugin answers (``amphi_search``: search_sql, search_solr...), so the API
finds, ranks, filters and counts exactly as ``/search`` does, under the same access rules
(:func:`core.catalogue.search.searchable_ids`, :func:`core.catalogue.search.locked_ids`, ``amphi_permits``).
"""

from __future__ import annotations

from core.catalogue.search import FACET_TITLES, SearchQuery, search
from core.platform.errors import SearchUnavailable, ValidationError
from core.platform.i18n import _
from core.web.apiv1.common import page_links, page_params
from core.web.views.api import video_json
from core.web.views.search import MAX_PAGE, facet_groups

#: The facets a search may be filtered on (repeat one to accept any of its values).
SEARCH_FACETS = tuple(FACET_TITLES)
#: What orders or narrows a list but not a search, and what only a search takes.
LIST_ONLY = ("owner", "status", "ordering")
SEARCH_ONLY = ("sort", "year", "duration")


def is_search(request) -> bool:
    """Whether ``/api/v1/videos`` is asked to search (``q`` given, even empty) rather than to list;
    a list given a search's parameter is refused, not silently unfiltered."""
    if "q" in request.GET:
        return True
    misplaced = [name for name in SEARCH_ONLY if name in request.GET]
    if misplaced:
        raise ValidationError({name: _("only with q (a search)") for name in misplaced})
    return False


def search_query(request) -> SearchQuery:
    """The :class:`SearchQuery` of the query string, or a clear 400."""
    misplaced = [name for name in LIST_ONLY if name in request.GET]
    if misplaced:
        raise ValidationError(
            {name: _("not with q: a search is ordered by sort (relevance or date)") for name in misplaced}
        )
    sort = request.GET.get("sort", "relevance")  # its values are checked against the document (core.web.apiv1.contract)
    page, per_page = page_params(request, max_page=MAX_PAGE)  # as the search page
    filters = {facet: [v for v in request.GET.getall(facet) if v.strip()] for facet in SEARCH_FACETS}
    return SearchQuery(
        text=request.GET["q"], filters={f: v for f, v in filters.items() if v}, sort=sort, page=page, per_page=per_page
    )


def searched(request) -> dict:
    """A page of the search's matches, with its total and facets (``/search``'s, in its order)."""
    query = search_query(request)
    results = search(request, query)
    if results is None:
        raise SearchUnavailable(request.translate("Search is not available on this site."))
    if results.error:
        raise SearchUnavailable(results.error)
    return {
        "items": [video_json(request, video) for video in results.videos],
        "page": query.page,
        "per_page": query.per_page,
        "total": results.total,
        **page_links(request, query.page, query.per_page, query.page < results.pages),
        "facets": facet_groups(request, results, query),
    }
