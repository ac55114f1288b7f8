"""Pages of lists: videos (browse, channels, themes: no COUNT, one row more says if there is a next page), and
counted lists for administrators (users, a group's members: "page 2 of 7")."""

from __future__ import annotations

from sqlalchemy import func, select

from core.catalogue.listing import permitted
from core.web.inputs import MAX_PAGE, int_param

PER_PAGE = 24


def page_number(request) -> int:
    """``?page=`` from 1 (a 400 page for anything else: an offset past the database's integers would fail)."""
    return int_param(request, "page", 1, minimum=1, maximum=MAX_PAGE)


def paged_videos(request, query, route: str, params: dict | None = None, **route_args) -> dict:
    """One page of ``query``'s videos (without those a plugin denies) and the links to its neighbours.

    ``params``: the list's other query parameters (its filters), kept in the links.
    """
    page = page_number(request)
    rows = list(request.dbsession.scalars(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))

    def page_url(number: int) -> str:
        return request.route_url(route, **route_args, _query={**(params or {}), "page": number})

    return {
        "videos": permitted(request, rows[:PER_PAGE]),
        "page": page,
        "next_url": page_url(page + 1) if len(rows) > PER_PAGE else None,
        "previous_url": page_url(page - 1) if page > 1 else None,
    }


def counted_page(request, query, per_page: int, page_url) -> dict:
    """One page of ``query``'s rows with their total, the number of pages and the links to the neighbours
    (``page_url(number)``); a page past the last shows the last."""
    total = request.dbsession.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(page_number(request), pages)
    rows = request.dbsession.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
    }
