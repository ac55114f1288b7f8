"""The search page and the search box's suggestions; the site's search plugin does the searching."""

from __future__ import annotations

from pyramid.view import view_config

from core.catalogue.search import (
    FACET_NAME,
    SearchQuery,
    clean_text,
    facet_label,
    facet_order,
    facet_title,
    ordered_facet_names,
    search,
    suggest,
)
from core.pagecache import cache_page
from core.web.inputs import whole_number

#: Query-string names that are not facet filters.
RESERVED_PARAMS = {"q", "sort", "page", "_LOCALE_"}
PER_PAGE = 20
MAX_PAGE = 10_000


def query_from_params(params) -> SearchQuery:
    """``?q=cours&language=fr&year=2026&sort=date&page=2``: every other lowercase name is a facet filter."""
    filters: dict[str, list[str]] = {}
    for name, value in params.items():
        if name not in RESERVED_PARAMS and FACET_NAME.match(name) and clean_text(value):
            filters.setdefault(name, []).append(value)
    page = whole_number(params.get("page", "1"), "page", minimum=1, maximum=MAX_PAGE)
    return SearchQuery(
        text=params.get("q", ""), filters=filters, sort=params.get("sort", "relevance"), page=page, per_page=PER_PAGE
    )


def page_url(request, query: SearchQuery, **changes) -> str:
    params = [("q", query.text)] if query.text else []
    params += [(facet, value) for facet, values in query.filters.items() for value in values]
    if query.sort != "relevance":
        params.append(("sort", query.sort))
    params += [(k, str(v)) for k, v in changes.items()]
    return request.route_url("search", _query=params)


def facet_groups(request, results, query: SearchQuery) -> list[dict]:
    """Facets as the page shows them: a title, then values with labels, counts and whether checked."""
    groups = []
    for facet in ordered_facet_names(results.facets):
        chosen = set(query.filters.get(facet, []))
        values = [
            {
                "value": c.value,
                "label": facet_label(request, facet, c.value, c.label),
                "count": c.count,
                "checked": c.value in chosen,
            }
            for c in facet_order(facet, results.facets[facet])
        ]
        groups.append({"name": facet, "title": facet_title(request, facet), "values": values})
    return groups


@view_config(route_name="search", renderer="search.html")
def search_page(request):
    cache_page(request)  # an anonymous visitor's results depend on the URL, the language and the data only
    query = query_from_params(request.GET)
    results = search(request, query)
    context = {"query": query, "results": results, "facets": []}
    if results is not None:
        context["facets"] = facet_groups(request, results, query)
        context["previous_url"] = page_url(request, query, page=query.page - 1) if query.page > 1 else ""
        context["next_url"] = page_url(request, query, page=query.page + 1) if query.page < results.pages else ""
        context["date_url"] = page_url(request, SearchQuery(text=query.text, filters=query.filters, sort="date"))
        context["relevance_url"] = page_url(request, SearchQuery(text=query.text, filters=query.filters))
    return context


@view_config(route_name="api.search.suggest", renderer="json", request_method="GET")
def search_suggest(request):
    """``{"suggestions": [...]}``: titles (and tags) the request may see that start as typed."""
    return {"suggestions": suggest(request, request.GET.get("q", ""), limit=8)}
