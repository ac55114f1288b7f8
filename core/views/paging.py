"""Pages of videos for the lists (browse, channels, themes): no COUNT, one row more says if there is a next page."""

from __future__ import annotations

from core.catalog import permitted

PER_PAGE = 24


def page_number(request) -> int:
    try:
        return max(1, int(request.params.get("page", 1)))
    except ValueError:
        return 1


def paged_videos(request, query, route: str, params: dict | None = None, **route_args) -> dict:
    """One page of ``query``'s videos (without those a plugin denies) and the links to its neighbours.

    ``params``: the list's other query parameters (its filters), kept in the links.
    """
    page = page_number(request)
    rows = list(request.dbsession.scalars(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))

    def page_url(number: int) -> str:
        return request.route_url(route, **route_args, _query={**(params or {}), "page": number})

    return {"videos": permitted(request, rows[:PER_PAGE]), "page": page,
            "next_url": page_url(page + 1) if len(rows) > PER_PAGE else None,
            "previous_url": page_url(page - 1) if page > 1 else None}
